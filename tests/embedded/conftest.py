"""The embedded default as a newcomer gets it: `make run` with no DATABASE_URL or REDIS_URL.

The pytest process itself stays on PostgreSQL and Redis (tests/conftest.py refuses SQLite); the
embedded default runs in a subprocess, on SQLite in a temporary VAR_DIR, the in-memory channel
layer and the local-memory cache, served by one server process.
"""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.servers import ROOT, free_port

START_TIMEOUT_S = 240
# Only what a newcomer's shell would have: no DATABASE_URL, REDIS_URL, SECRET_KEY, nor the test
# suite's or an outer make's variables.
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHON")


class EmbeddedServer:
    """`make run` on a free port with its state in a temporary directory."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.process: subprocess.Popen | None = None
        self.password = ""

    def start(self) -> None:
        env = {key: os.environ[key] for key in KEPT if key in os.environ}
        env["VAR_DIR"] = str(self.var_dir)
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={self.port}"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            # make's children (the server) form one group, stopped together.
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"make run exited:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"make run did not answer /healthz in time:\n{self.output()}")
        # seed_demo prints the demo users' shared password, as the README promises.
        self.password = re.search(r"with the password '([^']+)'", self.output()).group(1)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="package")
def embedded(tmp_path_factory):
    server = EmbeddedServer(tmp_path_factory.mktemp("embedded") / "var")
    server.start()
    yield server
    server.stop()


class Visitor:
    """A person's HTTP session on the server, without a browser (forms post with CSRF)."""

    def __init__(self, server: EmbeddedServer):
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str):
        return self.opener.open(self.server.url + path, timeout=10)

    def text(self, path: str) -> str:
        with self.get(path) as response:
            return response.read().decode()

    def json(self, path: str):
        request = urllib.request.Request(
            self.server.url + path, headers={"Accept": "application/json"}
        )
        with self.opener.open(request, timeout=10) as response:
            return json.loads(response.read())

    def post_form(self, path: str, fields: dict[str, str], page: str = ""):
        """Post `fields` to `path` as the form on `page` (by default `path` itself) would."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text(page or path))
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)}).encode()
        request = urllib.request.Request(
            self.server.url + path, data, headers={"Referer": self.server.url + path}
        )
        return self.opener.open(request, timeout=10)

    def log_in(self, username: str, password: str = "") -> "Visitor":
        with self.post_form(
            "/accounts/login/",
            {"username": username, "password": password or self.server.password},
        ) as response:
            assert response.url == self.server.url + "/", f"{username} could not log in"
        return self

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)
