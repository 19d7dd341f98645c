"""A real coturn for tests, configured like production but on loopback."""

import random
import subprocess
import time
from pathlib import Path

from tests.servers import free_port

START_TIMEOUT_S = 10


class CoturnProcess:
    """coturn with `use-auth-secret`, all its files in `directory`.

    `allow-loopback-peers` is for tests only: the production config refuses loopback peers.
    `prefix` runs it through another command (e.g. `nsenter` into a network namespace).
    """

    def __init__(self, directory: Path, secret: str, *, port: int | None = None, prefix=()):
        self.directory = directory
        self.secret = secret
        self.port = port or free_port()
        self.prefix = list(prefix)
        self.process: subprocess.Popen | None = None
        self.log_file = directory / "turn.log"
        relay_base = random.randrange(50000, 60000, 100)
        self.config = directory / "turnserver.conf"
        self.config.write_text(
            "\n".join(
                [
                    "listening-ip=127.0.0.1",
                    "relay-ip=127.0.0.1",
                    f"listening-port={self.port}",
                    f"min-port={relay_base}",
                    f"max-port={relay_base + 99}",
                    "use-auth-secret",
                    f"static-auth-secret={secret}",
                    "realm=cohort.test",
                    "fingerprint",
                    "no-cli",
                    "no-tls",
                    "no-dtls",
                    "no-multicast-peers",
                    "allow-loopback-peers",
                    f"userdb={directory / 'turndb'}",
                    f"log-file={self.log_file}",
                    f"pidfile={directory / 'turnserver.pid'}",
                    "simple-log",
                    "",
                ]
            )
        )

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*self.prefix, "turnserver", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"turnserver exited:\n{self.log()}")
            if "Total General servers" in self.log():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"turnserver did not start in time:\n{self.log()}")

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
