"""Served processes (config.serve, as production runs them) for tests that cross processes or
drive a browser."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def served_environment(**overrides: str) -> dict[str, str]:
    """Return the environment of a process sharing this test worker's database and Redis.

    `overrides` replace variables, e.g. REDIS_URL for a Redis of the test's own.
    """
    database = settings.DATABASES["default"]
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))
    }
    env.update(
        DATABASE_URL=url,
        REDIS_URL=settings.REDIS_URL,
        REDIS_CACHE_DB=str(settings.REDIS_CACHE_DB),
        REDIS_CHANNELS_DB=str(settings.REDIS_CHANNELS_DB),
        CHANNELS_PREFIX=settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"],
        SECRET_KEY=settings.SECRET_KEY,
        SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(overrides)
    return env


class ServedProcess:
    def __init__(self, application: str = "config.asgi:application", **env_overrides: str):
        self.application = application
        self.env_overrides = env_overrides
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = None

    def start(self) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "config.serve", "--port", str(self.port)]
            + ["--application", self.application],
            cwd=ROOT,
            env=served_environment(**self.env_overrides),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz in time:\n{self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log:
            self.log.close()
            self.log = None

    def kill(self) -> None:
        """Kill the process with SIGKILL, as a crash or an OOM kill would: no cleanup runs."""
        self.process.kill()
        self.process.wait()

    def restart(self) -> None:
        """Start again on the same port, as after a crash or a deploy."""
        self.stop()
        self.start()
