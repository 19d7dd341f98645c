import logging

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


def _redis_ok() -> bool:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        logger.exception("Health check: Redis does not answer")
        return False
    finally:
        client.close()


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
