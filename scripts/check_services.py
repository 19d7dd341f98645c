"""Stop `make test` early, in one line, when PostgreSQL or Redis is not reachable."""

import os
import sys

import dj_database_url
import psycopg2
import redis

START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
}


def main() -> int:
    missing = []
    database = dj_database_url.parse(os.environ["DATABASE_URL"])
    try:
        # The server's maintenance database: the suite creates its own test database.
        psycopg2.connect(
            dbname="postgres",
            user=database["USER"],
            password=database["PASSWORD"],
            host=database["HOST"],
            port=database["PORT"] or 5432,
            connect_timeout=3,
        ).close()
    except psycopg2.Error:
        missing.append("PostgreSQL")
    try:
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()
    except redis.RedisError:
        missing.append("Redis")
    for name in missing:
        url = os.environ["DATABASE_URL" if name == "PostgreSQL" else "REDIS_URL"]
        sys.stderr.write(
            f"make test: {name} is not reachable at {url}; start it with: {START[name]}\n"
        )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
