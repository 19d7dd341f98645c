"""Cohort settings: the only module that reads the environment.

Two modes:
- embedded default (neither DATABASE_URL nor REDIS_URL set): SQLite under var/,
  the in-memory channel layer and the local-memory cache, for one process;
- served mode (both set): PostgreSQL, and one Redis holding the cache (DB 0) and
  the channel layer (DB 1), shared by several server processes.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state: the embedded SQLite database, the development secret, collected static files and
# (unless MEDIA_ROOT says otherwise) uploads. VAR_DIR moves it, e.g. to a temporary directory.
VAR_DIR = Path(os.environ["VAR_DIR"]) if os.environ.get("VAR_DIR") else BASE_DIR / "var"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def redis_url_for_db(url: str, db: int) -> str:
    """Return the Redis URL with its path replaced by the given database number."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


DEBUG = env_bool("DEBUG")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
if bool(DATABASE_URL) != bool(REDIS_URL):
    raise ImproperlyConfigured(
        "Set both DATABASE_URL and REDIS_URL (served mode) or neither (embedded default)."
    )
SERVED = bool(DATABASE_URL)
PRODUCTION = SERVED and not DEBUG


def _development_secret_key() -> str:
    """Return the development secret kept in var/, creating it on first use."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when serving with DEBUG off.")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Channels' `runserver` for development; served mode runs uvicorn (config/serve.py).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "usersessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "tailwind",
    "theme",
    "accounts",
    "notifications",
    "search",
    "studies",
    "board",
    "messaging",
    "rtc",
    "chat",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% link %}: reverse() once per route (config/links.py).
            "libraries": {"links": "config.links"},
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.unread_counts",
            ],
        },
    },
]

ASGI_APPLICATION = "config.asgi.application"

if SERVED:
    # Connections come from one pool per process (Django's psycopg pool). Under ASGI each
    # request runs on a thread of its own, so a connection kept per thread (CONN_MAX_AGE) was a
    # new connection per page, about half of a page's server time (bench/README.md, pages).
    # A pooled connection is checked before it is handed out: after a PostgreSQL restart or a
    # terminated backend, the next request or socket call gets a fresh one instead of failing.
    # The engine is Django's PostgreSQL backend, failing at once while the server is down
    # instead of waiting out the pool's timeout (config/postgresql/base.py).
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, engine="config.postgresql", conn_health_checks=True
        )
    }
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": env_int("DATABASE_POOL_MAX", 20),
        # A request that finds every connection busy this long gets an error, not a hang.
        "timeout": 10,
    }
    # Parameters are bound by the server, and a statement run a few times on a connection is
    # prepared there (psycopg's prepare_threshold): PostgreSQL then stops planning each page's
    # small lookups again, a millisecond or so of every page (bench/README.md, pages). A
    # transaction-mode pooler in front of PostgreSQL (PgBouncer before 1.21) cannot keep
    # prepared statements: DATABASE_PREPARED_STATEMENTS=0 turns them off.
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
        5 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None
    )
    # PostgreSQL's default random_page_cost (4) models spinning disks: with it the planner
    # scans all 10,000 studies rather than take the search's GIN bitmap, ten times faster on
    # SSDs or cached data. 1.1 is the usual value there; a URL's own ?options= wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c random_page_cost=1.1")
    # Redis DB numbers are settings so the test suite can keep to its own.
    REDIS_CACHE_DB = env_int("REDIS_CACHE_DB", 0)
    REDIS_CHANNELS_DB = env_int("REDIS_CHANNELS_DB", 1)
    # A Redis blip (a restart, a failover, a stale pooled connection) is retried with backoff
    # before anything fails: three tries within about a second, then the caller's own policy
    # (config/ratelimit.py, the `unavailable` error frame, realtime resume) takes over.
    REDIS_RETRIES = 3
    REDIS_BACKOFF = {"base": 0.05, "cap": 0.5}
    REDIS_TIMEOUT_S = 2
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": redis_url_for_db(REDIS_URL, REDIS_CACHE_DB),
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "cohort"),
            "TIMEOUT": 300,
            "OPTIONS": {
                "retry": Retry(ExponentialWithJitterBackoff(**REDIS_BACKOFF), REDIS_RETRIES),
                "socket_connect_timeout": REDIS_TIMEOUT_S,
                "socket_timeout": REDIS_TIMEOUT_S,
            },
        }
    }
    # Pub/sub: a group_send is one PUBLISH that each process fans out to its own sockets, where
    # the classic RedisChannelLayer queued one Redis entry per socket and dropped messages once
    # a process's queue held `capacity` of them (bench/README.md has the history). Groups
    # live in the processes' subscriptions, so a crashed process leaves none behind. Pub/sub
    # ignores DB numbers: the prefix keeps deployments (and test workers) apart.
    # Past one Redis, CHANNEL_REDIS_URLS lists several: the layer shards every group and
    # channel over them by a hash of its name, the same in every process (README, "Past one
    # Redis"); the cache stays on REDIS_URL.
    CHANNEL_REDIS_URLS = env_list(
        "CHANNEL_REDIS_URLS", [redis_url_for_db(REDIS_URL, REDIS_CHANNELS_DB)]
    )
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": address,
                        # redis-py's default 5 s socket timeout would fail the layer's long
                        # blocking reads while sockets are idle.
                        "socket_timeout": 15,
                        "socket_connect_timeout": REDIS_TIMEOUT_S,
                        "retry": AsyncRetry(
                            ExponentialWithJitterBackoff(**REDIS_BACKOFF), REDIS_RETRIES
                        ),
                    }
                    for address in CHANNEL_REDIS_URLS
                ],
                "prefix": os.environ.get("CHANNELS_PREFIX", "cohort.asgi"),
            },
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "cohort.sqlite3",
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A browser that sends no Accept-Language (and every test client that does not ask for
# another language) gets English; Korean comes from Accept-Language, the switcher in the
# header (the language cookie) or, once logged in, the user's profile (accounts.middleware).
LANGUAGE_CODE = "en"
# Each language in its own name, as a switcher lists them.
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date and time formats (config/formats/<lang>/formats.py), matched by static/js/when.js.
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

TAILWIND_APP_NAME = "theme"

# Production hardening. TLS ends at the reverse proxy, which sets X-Forwarded-Proto,
# redirects http to https and sends HSTS (see the README).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = env_bool(
    "SECURE_COOKIES", PRODUCTION
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Database sessions that know their user, so a password change ends the user's other sessions.
SESSION_ENGINE = "usersessions.store"
# Django's ModelBackend, reading each request's user by a query compiled once per process.
AUTHENTICATION_BACKENDS = ["accounts.backends.UserBackend"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# While sockets are open, each process checks the channel layer's Redis this often; when it
# answers again after an outage, resumable sockets are told `events.missed`
# (realtime/layer_watch.py).
REALTIME_LAYER_WATCH_S = float(os.environ.get("REALTIME_LAYER_WATCH_S") or 2)
# A notification or direct message can commit after a newer one (ids are drawn at insert): a
# `resume` from an id also sends again what was created this long before it (realtime/resume.py).
# It bounds how long after inserting one such row its transaction may take to commit.
REALTIME_RESUME_OVERLAP_S = 30

# Log-in and sign-up throttling (accounts/throttle.py). Failed log-ins per account and per
# client address within LOGIN_LOCKOUT_S seconds before log-ins are refused until it passes.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_LOCKOUT_S = env_int("LOGIN_LOCKOUT_S", 15 * 60)
SIGNUP_ATTEMPTS_PER_ADDRESS = env_int("SIGNUP_ATTEMPTS_PER_ADDRESS", 20)
SIGNUP_WINDOW_S = env_int("SIGNUP_WINDOW_S", 60 * 60)

# Open WebSockets one user may have over every endpoint and process (realtime/guard.py);
# a slot not refreshed for SOCKET_SLOT_TTL_S seconds (a crashed process) is freed.
SOCKETS_PER_USER_MAX = env_int("SOCKETS_PER_USER_MAX", 30)
SOCKET_SLOT_TTL_S = env_int("SOCKET_SLOT_TTL_S", 90)

# How many unread notifications a socket receives when it connects.
NOTIFICATIONS_REPLAY_LIMIT = 20
# How many notifications one `resume` frame returns at most (the client asks again for more).
NOTIFICATIONS_RESUME_LIMIT = 100

# Board (board/): attachment limits and where uploaded files are stored.
BOARD_MAX_UPLOAD_BYTES = env_int("BOARD_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
BOARD_MAX_FILES_PER_POST = env_int("BOARD_MAX_FILES_PER_POST", 10)
# Form fields besides files stay small; files above this size spill to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Django answers 400 to a request carrying more files than this, and stops parsing it.
DATA_UPLOAD_MAX_NUMBER_FILES = max(100, BOARD_MAX_FILES_PER_POST)
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Where uploaded files are kept: local files under MEDIA_ROOT, or any S3-compatible store
# through django-storages. Either way they are private: only the board's download view,
# which checks membership, serves them (MEDIA_URL is never routed).
MEDIA_ROOT = Path(os.environ["MEDIA_ROOT"]) if os.environ.get("MEDIA_ROOT") else MEDIA_ROOT
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            # Any S3-compatible service (MinIO, Ceph, R2...) by its endpoint.
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # Without keys, boto3 finds credentials itself (instance role, ~/.aws).
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}.")

# messaging: direct messages.
# Messages one user may send per window, across every process (kept in the cache).
MESSAGING_RATE_LIMIT = env_int("MESSAGING_RATE_LIMIT", 30)
MESSAGING_RATE_WINDOW_S = env_int("MESSAGING_RATE_WINDOW_S", 60)
# A conversation page counts as open this long after its socket last said so (it refreshes
# every 20 s), so a crashed process leaves no page open for ever.
MESSAGING_FOCUS_TTL_S = env_int("MESSAGING_FOCUS_TTL_S", 60)
MESSAGING_PAGE_SIZE = 30
MESSAGING_RESUME_LIMIT = 200

# rtc: group video calls (docs/protocol.md, `/ws/rtc/<study_id>/`).
# A mesh call costs every peer N-1 streams, hence a small cap.
RTC_MAX_PARTICIPANTS = env_int("RTC_MAX_PARTICIPANTS", 6)
# Each open call socket refreshes its participant row this often; a row not refreshed for
# RTC_PARTICIPANT_TTL seconds belongs to a crashed process and is swept away.
RTC_HEARTBEAT_SECONDS = env_int("RTC_HEARTBEAT_SECONDS", 20)
RTC_PARTICIPANT_TTL = env_int("RTC_PARTICIPANT_TTL", 60)
# "relay" makes browsers use TURN relays only (hides their addresses; used by the relay test).
RTC_ICE_TRANSPORT_POLICY = os.environ.get("RTC_ICE_TRANSPORT_POLICY", "all")
if RTC_ICE_TRANSPORT_POLICY not in {"all", "relay"}:
    raise ImproperlyConfigured("RTC_ICE_TRANSPORT_POLICY must be 'all' or 'relay'.")
STUN_URLS = env_list("STUN_URLS", [])
TURN_URLS = env_list("TURN_URLS", [])
# Shared with coturn's static-auth-secret; never sent to a browser.
TURN_SECRET = os.environ.get("TURN_SECRET", "")
TURN_CREDENTIAL_TTL = env_int("TURN_CREDENTIAL_TTL", 3600)
if TURN_URLS and not TURN_SECRET:
    raise ImproperlyConfigured("TURN_URLS needs TURN_SECRET (coturn's static-auth-secret).")
if RTC_ICE_TRANSPORT_POLICY == "relay" and not TURN_URLS:
    raise ImproperlyConfigured("RTC_ICE_TRANSPORT_POLICY=relay needs TURN_URLS.")

# chat: rooms per study (chat/).
# Messages one user may post per room in CHAT_FLOOD_WINDOW_S seconds (the benchmark raises it).
CHAT_FLOOD_LIMIT = env_int("CHAT_FLOOD_LIMIT", 20)
CHAT_FLOOD_WINDOW_S = 10
# A socket's presence lasts CHAT_PRESENCE_TTL_S unless refreshed every CHAT_PRESENCE_REFRESH_S.
CHAT_PRESENCE_TTL_S = env_int("CHAT_PRESENCE_TTL_S", 45)
CHAT_PRESENCE_REFRESH_S = env_int("CHAT_PRESENCE_REFRESH_S", 15)
# Typing indicators: at most one per user per room this often; clients drop them after expiry.
CHAT_TYPING_THROTTLE_S = 3
CHAT_TYPING_EXPIRY_S = 6
