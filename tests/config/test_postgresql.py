"""config.postgresql: the pooled backend fails at once while PostgreSQL does not answer."""

import socket

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.utils import load_backend

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pooled_wrapper(**overrides):
    backend = load_backend("config.postgresql")
    config = {
        **settings.DATABASES["default"],
        "OPTIONS": {"pool": {"min_size": 0, "max_size": 2, "timeout": 600}},
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        **overrides,
    }
    return backend.DatabaseWrapper(config, alias=f"pool_probe_{overrides.get('PORT', 'x')}")


def test_a_server_that_does_not_answer_fails_the_caller_at_once_not_after_the_pool_timeout():
    wrapper = pooled_wrapper(HOST="127.0.0.1", PORT=closed_port())
    try:
        with pytest.raises(OperationalError) as failure:
            wrapper.ensure_connection()
        # The server's own refusal, not the pool's "couldn't get a connection after 600 sec".
        assert "couldn't get a connection" not in str(failure.value)
        assert "refused" in str(failure.value).lower()
    finally:
        wrapper.close_pool()


def test_a_server_that_answers_hands_out_pooled_connections():
    wrapper = pooled_wrapper()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
        wrapper.close()
        assert wrapper.pool.get_stats()["pool_available"] >= 1
    finally:
        wrapper.close_pool()


def test_while_every_connection_is_busy_a_caller_waits_for_one_instead_of_failing():
    import threading

    holder = pooled_wrapper()
    holder.settings_dict["OPTIONS"] = {"pool": {"min_size": 0, "max_size": 1, "timeout": 600}}
    pool = holder.pool
    pool.open()
    busy = pool.getconn(timeout=30)
    events = []

    def release():
        events.append("released")
        pool.putconn(busy)

    waiter = load_backend("config.postgresql").DatabaseWrapper(
        holder.settings_dict, alias=holder.alias
    )
    released = threading.Timer(0.5, release)
    try:
        released.start()
        waiter.ensure_connection()
        events.append("connected")
        released.join()
        assert events == ["released", "connected"]
    finally:
        released.cancel()
        waiter.close()
        holder.close_pool()
