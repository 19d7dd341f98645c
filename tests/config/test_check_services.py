import os
import subprocess
import sys

from tests.servers import ROOT


def check(database_url: str, redis_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/check_services.py"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DATABASE_URL": database_url, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_reachable_services_pass_even_before_the_database_exists():
    result = check("postgres://postgres@127.0.0.1:5432/not_created_yet", "redis://127.0.0.1:6379")
    assert (result.returncode, result.stderr) == (0, "")


def test_each_missing_service_gets_one_line_saying_how_to_start_it():
    result = check("postgres://postgres@127.0.0.1:1/cohort", "redis://127.0.0.1:1")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert (
        lines[0].startswith("make test: PostgreSQL is not reachable")
        and "pg_ctlcluster" in lines[0]
    )
    assert lines[1].startswith("make test: Redis is not reachable") and "redis-server" in lines[1]
