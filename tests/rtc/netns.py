"""A private network namespace with only `lo`, still reaching the suite's PostgreSQL and Redis.

A fresh namespace cannot reach the host's 127.0.0.1. Unix sockets are files, which both
namespaces share, so each service is bridged with socat through a unix socket in a temp dir:
outside, UNIX-LISTEN -> the real service's TCP port; inside, TCP-LISTEN on the namespace's own
127.0.0.1 and the same port -> that unix socket. Processes inside then use the suite's very
same DATABASE_URL and REDIS_URL, and reach the real services.
"""

import subprocess
import sys
import time
from pathlib import Path

from tests.servers import ROOT, START_TIMEOUT_S


class PrivateNetwork:
    def __init__(self, directory: Path):
        self.directory = directory
        self.processes: list[subprocess.Popen] = []
        self.holder: subprocess.Popen | None = None

    @property
    def enter(self) -> list[str]:
        """Return the command prefix that runs a program inside the namespace."""
        return ["nsenter", "-t", str(self.holder.pid), "-n"]

    def start(self) -> None:
        # The holder keeps the namespace alive; everything else joins it with nsenter.
        self.holder = subprocess.Popen(
            ["unshare", "-n", "sh", "-c", "ip link set lo up && exec sleep infinity"]
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            links = subprocess.run(
                [*self.enter, "ip", "-o", "link"], capture_output=True, text=True
            ).stdout
            if "lo:" in links and "UP" in links:
                return
            time.sleep(0.05)
        raise RuntimeError("the network namespace did not come up")

    def interfaces(self) -> list[str]:
        out = subprocess.run(
            [*self.enter, "ip", "-o", "link"], capture_output=True, text=True, check=True
        ).stdout
        return [line.split(":")[1].strip() for line in out.splitlines()]

    def bridge(self, name: str, host: str, port: int) -> None:
        """Make host:port of the outside reachable at 127.0.0.1:port inside."""
        path = self.directory / f"{name}.sock"
        self.spawn(["socat", f"UNIX-LISTEN:{path},fork,reuseaddr", f"TCP:{host}:{port}"])
        deadline = time.monotonic() + START_TIMEOUT_S
        while not path.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"socat did not listen on {path}")
            time.sleep(0.05)
        self.spawn(
            [
                *self.enter,
                "socat",
                f"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr",
                f"UNIX-CONNECT:{path}",
            ]
        )

    def spawn(self, command: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(command, **kwargs)
        self.processes.append(process)
        return process

    def wait_for_http(self, url: str, process: subprocess.Popen) -> None:
        """Wait until `url` answers 200 from inside the namespace."""
        probe = f"import urllib.request; urllib.request.urlopen({url!r}, timeout=1)"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args} exited")
            if (
                subprocess.run(
                    [*self.enter, sys.executable, "-c", probe], capture_output=True, cwd=ROOT
                ).returncode
                == 0
            ):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{url} did not answer in time")

    def stop(self) -> None:
        for process in reversed([*self.processes, self.holder]):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
