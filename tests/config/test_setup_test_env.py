"""scripts/setup_test_env.py, run by `make test` and `.ci/run` before anything else."""

import os
import subprocess
import sys

import pytest
import redis

from tests.servers import ROOT, free_port

SCRIPT = "scripts/setup_test_env.py"


def run(database_url: str, redis_url: str, *args: str, path: str | None = None):
    return subprocess.run(
        [sys.executable, SCRIPT, *args],
        cwd=ROOT,
        env={
            "PATH": path if path is not None else os.environ["PATH"],
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_everything_present_it_says_nothing_and_does_nothing():
    """Passes even before the test database exists; nothing is installed or started."""
    redis_url = os.environ["REDIS_URL"]
    result = run("postgres://postgres@127.0.0.1:5432/not_created_yet", redis_url)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_each_missing_service_gets_one_line_saying_how_to_start_it():
    result = run("postgres://postgres@127.0.0.1:1/cohort", "redis://127.0.0.1:1", "--check-only")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("make test: PostgreSQL is not reachable at postgres://")
    assert "start it with: pg_ctlcluster --skip-systemctl-redirect" in lines[0]
    assert lines[1].startswith("make test: Redis is not reachable at redis://127.0.0.1:1;")
    assert "start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 1" in lines[1]


def test_each_missing_package_gets_one_line_saying_how_to_install_it(tmp_path):
    """With a PATH lacking turnserver, socat, redis-server, ip, msgfmt and npm (check-only)."""
    result = run(
        "postgres://postgres@127.0.0.1:5432/cohort",
        os.environ["REDIS_URL"],
        "--check-only",
        path=str(tmp_path),
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "make test: coturn is missing (turnserver, for the TURN relay tests); "
        "install it with: apt-get install coturn",
        "make test: socat is missing (socat, for the relay and fault tests); "
        "install it with: apt-get install socat",
        "make test: redis-server is missing (redis-server, for tests that start Redis servers "
        "of their own); install it with: apt-get install redis-server",
        "make test: iproute2 is missing (ip, for the call relay test's network namespace); "
        "install it with: apt-get install iproute2",
        "make test: gettext is missing (msgfmt, for the translation check (make lint) and its "
        "test); install it with: apt-get install gettext",
        "make test: npm is missing (npm, for axe-core, the browser tests' accessibility audit "
        "(npm install)); install it with: apt-get install npm",
    ]


def test_a_stopped_local_redis_is_started():
    port = free_port()
    url = f"redis://127.0.0.1:{port}"
    result = run("postgres://postgres@127.0.0.1:5432/cohort", url)
    client = redis.Redis.from_url(url)
    try:
        assert result.returncode == 0, result.stderr
        assert result.stderr.startswith(
            f"make test: Redis is not reachable at {url}; starting it: redis-server"
        )
        assert client.ping()
    finally:
        client.shutdown(nosave=True)
        client.close()


FAKE_APT_GET = """#!/bin/sh
# Records its arguments; "installs" a package by creating its command next to itself.
PATH=/usr/bin:/bin
here=$(dirname "$0")
echo "$*" >> "$here/apt.log"
[ "$1" = install ] || exit 0
for name in "$@"; do
    case "$name" in
        coturn) command=turnserver ;;
        socat|redis-server) command=$name ;;
        iproute2) command=ip ;;
        gettext) command=msgfmt ;;
        npm) command=npm ;;
        *) continue ;;
    esac
    printf '#!/bin/sh\\n' > "$here/$command"
    chmod +x "$here/$command"
done
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="installs only as root")
def test_as_root_it_installs_what_is_missing_with_apt_get_after_one_update(tmp_path):
    apt_get = tmp_path / "apt-get"
    apt_get.write_text(FAKE_APT_GET)
    apt_get.chmod(0o755)
    result = run(
        "postgres://postgres@127.0.0.1:5432/cohort",
        os.environ["REDIS_URL"],
        path=str(tmp_path),
    )
    assert (result.returncode, result.stderr) == (
        0,
        "make test: installing coturn socat redis-server iproute2 gettext npm with apt-get\n",
    )
    assert (tmp_path / "apt.log").read_text().splitlines() == [
        "update -qq",
        "install -y -qq coturn socat redis-server iproute2 gettext npm",
    ]
