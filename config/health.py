import logging
from urllib.parse import urlsplit, urlunsplit

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("Health check: the database does not answer")
        return False
    return True


def _ping(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        logger.exception("Health check: Redis does not answer at %s", redact(url))
        return False
    finally:
        client.close()


def redact(url: str) -> str:
    """The URL without its password, for the log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def _redis_ok() -> bool:
    """The cache's Redis and every Redis the channel layer is sharded over answer."""
    servers = dict.fromkeys([settings.REDIS_URL, *settings.CHANNEL_REDIS_URLS])
    return all([_ping(url) for url in servers])


@never_cache
@require_GET
def healthz(request):
    """Answer 200 when every service the app needs responds, 503 naming those that do not."""
    checks = {"database": _database_ok()}
    if settings.SERVED:
        checks["redis"] = _redis_ok()
    failing = [name for name, ok in checks.items() if not ok]
    return JsonResponse(
        {"status": "unavailable" if failing else "ok", "failing": failing},
        status=503 if failing else 200,
    )
