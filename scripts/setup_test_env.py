"""Make this machine ready for the test suite, or say in one line per missing piece what to do.

Used by `make test` and `.ci/run` alike. With everything present it prints nothing and changes
nothing. Otherwise, as root with apt-get, it installs the missing system packages (one
`apt-get update` first); it starts PostgreSQL and Redis on loopback when they are installed but
stopped; anything it cannot fix stops it at once (exit 1) with one line for each missing piece.

    DATABASE_URL=... REDIS_URL=... python scripts/setup_test_env.py [--check-only]

`--check-only` reports without installing or starting anything.
"""

import argparse
import glob
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import dj_database_url
import psycopg
import redis

PREFIX = "make test:"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
READY_TIMEOUT_S = 30


@dataclass(frozen=True)
class Package:
    """A Debian package the suite needs, and how to tell that it is installed."""

    name: str
    needed_for: str
    command: str = ""
    paths: str = ""

    def present(self) -> bool:
        if self.command:
            return shutil.which(self.command) is not None
        return bool(glob.glob(self.paths))

    def what(self) -> str:
        return self.command or self.paths


PACKAGES = [
    Package(
        "chromium", "browser tests (Playwright drives /usr/bin/chromium)", paths="/usr/bin/chromium"
    ),
    Package(
        "fonts-nanum",
        "Korean text in browser tests",
        paths="/usr/share/fonts/truetype/nanum/*.ttf",
    ),
    Package("coturn", "the TURN relay tests", command="turnserver"),
    Package("socat", "the relay and fault tests", command="socat"),
    Package("redis-server", "tests that start Redis servers of their own", command="redis-server"),
    Package("iproute2", "the call relay test's network namespace", command="ip"),
    Package("gettext", "the translation check (make lint) and its test", command="msgfmt"),
    Package("npm", "axe-core, the browser tests' accessibility audit (npm install)", command="npm"),
]


def say(line: str) -> None:
    sys.stderr.write(f"{PREFIX} {line}\n")


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def install(names: list[str]) -> None:
    say(f"installing {' '.join(names)} with apt-get")
    quiet = {"stdout": subprocess.DEVNULL}
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=environment, **quiet)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *names], check=False, env=environment, **quiet
    )


def missing_packages(check_only: bool) -> list[str]:
    """Install what is missing when possible; return a line for each piece still missing."""
    missing = [package for package in PACKAGES if not package.present()]
    if missing and not check_only and can_install():
        install([package.name for package in missing])
        missing = [package for package in missing if not package.present()]
    return [
        f"{package.name} is missing ({package.what()}, for {package.needed_for}); "
        f"install it with: apt-get install {package.name}"
        for package in missing
    ]


def postgres_reachable(url: str) -> bool:
    database = dj_database_url.parse(url)
    try:
        # The server's maintenance database: the suite creates its own test database.
        psycopg.connect(
            dbname="postgres",
            user=database["USER"],
            password=database["PASSWORD"],
            host=database["HOST"],
            port=database["PORT"] or 5432,
            connect_timeout=3,
        ).close()
    except psycopg.Error:
        return False
    return True


def redis_reachable(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        return False
    finally:
        client.close()
    return True


def postgres_start_command(url: str) -> list[str] | None:
    if shutil.which("pg_ctlcluster") is None or not os.path.isdir("/etc/postgresql"):
        return None
    versions = sorted(os.listdir("/etc/postgresql"))
    if not versions:
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]


def redis_start_command(url: str) -> list[str] | None:
    if shutil.which("redis-server") is None:
        return None
    port = str(urlsplit(url).port or 6379)
    return [
        "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", port,
        "--save", "", "--appendonly", "no",
    ]  # fmt: skip


SERVICES = [
    # name, environment variable, reachable, start command, how to install
    ("PostgreSQL", "DATABASE_URL", postgres_reachable, postgres_start_command, "postgresql"),
    ("Redis", "REDIS_URL", redis_reachable, redis_start_command, "redis-server"),
]


def wait_until(reachable, url: str) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if reachable(url):
            return True
        time.sleep(0.5)
    return False


def missing_services(check_only: bool) -> list[str]:
    """Start the stopped local services when possible; return a line for each one still down."""
    lines = []
    for name, variable, reachable, start_command, package in SERVICES:
        url = os.environ[variable]
        if reachable(url):
            continue
        command = start_command(url)
        local = urlsplit(url).hostname in LOOPBACK
        if command and local and not check_only:
            say(f"{name} is not reachable at {url}; starting it: {shlex.join(command)}")
            started = subprocess.run(command, check=False, capture_output=True, text=True)
            if started.returncode == 0 and wait_until(reachable, url):
                continue
        if command:
            how = f"start it with: {shlex.join(command)}"
        else:
            how = f"install it with: apt-get install {package}, then start it"
        lines.append(f"{name} is not reachable at {url}; {how}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-only", action="store_true", help="install and start nothing")
    arguments = parser.parse_args(argv)
    lines = missing_packages(arguments.check_only) + missing_services(arguments.check_only)
    for line in lines:
        say(line)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
