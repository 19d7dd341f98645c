"""The two modes, read from the environment in one place."""

import os
import subprocess
import sys
import uuid

import pytest
import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache

from config.settings import redis_url_for_db
from tests.servers import ROOT

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], "
    "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
    "'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG, "
    "'secure': s.SESSION_COOKIE_SECURE}))"
)


def run_settings(env: dict[str, str], code: str = PROBE) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.embedded
def test_no_environment_means_the_embedded_default():
    result = run_settings({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '{"db": "django.db.backends.sqlite3", "layer": "channels.layers.InMemoryChannelLayer", '
        '"cache": "django.core.cache.backends.locmem.LocMemCache", "debug": false, '
        '"secure": false}'
    )
    assert (ROOT / "var" / "secret_key").exists()


def test_served_mode_uses_postgresql_and_redis_with_secure_cookies():
    result = run_settings(
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cohort",
            "REDIS_URL": "redis://127.0.0.1:6379",
            "SECRET_KEY": "x" * 50,
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '{"db": "config.postgresql", '
        '"layer": "channels_redis.pubsub.RedisPubSubChannelLayer", '
        '"cache": "config.cache.RedisCache", "debug": false, "secure": true}'
    )


def test_served_mode_without_debug_refuses_to_start_without_a_secret_key():
    result = run_settings(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1/cohort", "REDIS_URL": "redis://127.0.0.1"}
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_half_of_served_mode_is_refused():
    result = run_settings({"DATABASE_URL": "postgres://postgres@127.0.0.1/cohort"})
    assert result.returncode != 0
    assert "Set both DATABASE_URL and REDIS_URL" in result.stderr


def test_a_malformed_boolean_is_a_clear_error():
    result = run_settings({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_served_settings_put_the_cache_on_db_0_and_the_layer_on_db_1():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CACHES['default']['LOCATION'], "
        "[h['address'] for h in s.CHANNEL_LAYERS['default']['CONFIG']['hosts']], "
        "s.CHANNEL_LAYERS['default']['CONFIG']['prefix']]))"
    )
    result = run_settings(
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cohort",
            "REDIS_URL": "redis://:pw@redis.internal:6380/5",
            "SECRET_KEY": "x" * 50,
        },
        code,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '["redis://:pw@redis.internal:6380/0", '
        '["redis://:pw@redis.internal:6380/1"], '
        '"cohort.asgi"]'
    )


def test_redis_clients_retry_connection_errors_with_backoff():
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.backoff import ExponentialWithJitterBackoff
    from redis.retry import Retry

    cache_retry = settings.CACHES["default"]["OPTIONS"]["retry"]
    layer_retry = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["retry"]
    assert isinstance(cache_retry, Retry)
    assert isinstance(layer_retry, AsyncRetry)
    for retry in (cache_retry, layer_retry):
        assert retry.get_retries() == settings.REDIS_RETRIES > 0
        assert isinstance(retry._backoff, ExponentialWithJitterBackoff)


def test_database_connections_are_health_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_served_mode_pools_database_connections_per_process():
    code = (
        "import django, json; django.setup(); from django.db import connection; "
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(json.dumps({'pool': d['OPTIONS']['pool'], 'age': d['CONN_MAX_AGE'], "
        "'checked': connection.pool._check is not None}))"
    )
    served = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cohort",
        "REDIS_URL": "redis://127.0.0.1:6379",
        "SECRET_KEY": "x" * 50,
    }
    result = run_settings({**served, "DATABASE_POOL_MAX": "7"}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '{"pool": {"min_size": 2, "max_size": 7, "timeout": 10}, "age": 0, "checked": true}'
    )
    result = run_settings({**served, "DATABASE_POOL_MAX": "many"}, code)
    assert result.returncode != 0
    assert "DATABASE_POOL_MAX must be an integer" in result.stderr


@pytest.mark.django_db
def test_statements_run_often_are_prepared_on_the_server_unless_turned_off():
    from django.db import connection

    from accounts.models import User

    assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is True
    marker = f"prepared-{uuid.uuid4().hex}"
    for _ in range(6):
        assert not User.objects.filter(username=marker).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "accounts_user" WHERE "accounts_user"."username" = $%'],
        )
        assert cursor.fetchone()[0] >= 1

    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "o = s.DATABASES['default']['OPTIONS']; "
        "print(json.dumps([o['server_side_binding'], o['prepare_threshold']]))"
    )
    served = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cohort",
        "REDIS_URL": "redis://127.0.0.1:6379",
        "SECRET_KEY": "x" * 50,
    }
    assert run_settings(served, code).stdout.strip() == "[true, 5]"
    off = run_settings({**served, "DATABASE_PREPARED_STATEMENTS": "0"}, code)
    assert off.stdout.strip() == "[true, null]"


def test_a_cache_object_per_request_shares_the_process_connection_pool():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    one = caches.create_connection("default")
    two = caches.create_connection("default")
    assert one is not two
    one.set("shared-pool-probe", 1)
    assert two.get("shared-pool-probe") == 1
    assert one._cache._get_connection_pool(True) is two._cache._get_connection_pool(False)
    assert isinstance(one, RedisCache)


def test_channel_redis_urls_shard_the_layer_over_several_redis_and_leave_the_cache_alone():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CACHES['default']['LOCATION'], "
        "[host['address'] for host in s.CHANNEL_LAYERS['default']['CONFIG']['hosts']]]))"
    )
    result = run_settings(
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cohort",
            "REDIS_URL": "redis://redis.internal:6379",
            "CHANNEL_REDIS_URLS": "redis://shard-a:6379/1, redis://shard-b:6379/1",
            "SECRET_KEY": "x" * 50,
        },
        code,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '["redis://redis.internal:6379/0", ["redis://shard-a:6379/1", "redis://shard-b:6379/1"]]'
    )


@pytest.mark.embedded
def test_var_dir_moves_the_embedded_database_secret_and_static_files(tmp_path):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([str(s.DATABASES['default']['NAME']), str(s.STATIC_ROOT), "
        "str(s.MEDIA_ROOT)]))"
    )
    var = tmp_path / "state"
    result = run_settings({"VAR_DIR": str(var)}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f'["{var}/cohort.sqlite3", "{var}/staticfiles", "{var}/media"]'
    )
    assert (var / "secret_key").stat().st_mode & 0o777 == 0o600


def test_deploy_check_passes_but_for_what_the_tls_proxy_handles():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cohort",
            "REDIS_URL": "redis://127.0.0.1:6379",
            "SECRET_KEY": "a-production-grade-secret-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "cohort.example.com",
            "SECURE_SSL_REDIRECT": "1",
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
            "SECURE_HSTS_PRELOAD": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Left to the TLS-terminating proxy by default (README): HTTPS redirect and HSTS.
    defaults = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cohort",
            "REDIS_URL": "redis://127.0.0.1:6379",
            "SECRET_KEY": "a-production-grade-secret-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "cohort.example.com",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    warnings = {
        line.split(")")[0].strip("?: (")
        for line in defaults.stderr.splitlines()
        if "security.W" in line
    }
    assert warnings == {"security.W004", "security.W008"}


def test_cache_writes_land_in_the_cache_db_and_layer_traffic_on_the_layer_prefix():
    cache_db = redis.Redis.from_url(redis_url_for_db(settings.REDIS_URL, settings.REDIS_CACHE_DB))
    layer_db = redis.Redis.from_url(
        redis_url_for_db(settings.REDIS_URL, settings.REDIS_CHANNELS_DB)
    )
    cache.set("probe", "value", 30)
    assert [key.decode() for key in cache_db.keys("*probe*")] == [
        f"{settings.CACHES['default']['KEY_PREFIX']}:1:probe"
    ]
    assert layer_db.keys("*") == []

    # The pub/sub layer stores nothing: its traffic is PUBLISH on channels under its prefix.
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    listener = layer_db.pubsub()
    listener.psubscribe(f"{prefix}*")
    listener.get_message(timeout=1)  # the subscription's confirmation
    async_to_sync(get_channel_layer().group_send)("probe-group", {"type": "probe"})
    message = listener.get_message(timeout=2)
    assert message is not None and message["type"] == "pmessage"
    assert message["channel"].decode().startswith(prefix)
    assert "probe-group" in message["channel"].decode()
    assert [key.decode() for key in cache_db.keys("*")] == [
        f"{settings.CACHES['default']['KEY_PREFIX']}:1:probe"
    ]
    listener.close()
    cache_db.close()
    layer_db.close()
