"""Fixtures shared by the whole suite, which runs on PostgreSQL and the Redis channel layer."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation

from accounts.services import user_create
from config.cache import KeptLocally
from config.settings import redis_url_for_db
from tests.servers import ServedProcess

PASSWORD = "a-long-test-password-42"


def _worker_number() -> int:
    """Number this worker; TEST_REDIS_SLOT shifts it so that parallel runs stay apart."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(os.environ.get("TEST_REDIS_SLOT", "0")) + int(worker.removeprefix("gw"))


def pytest_configure(config):
    """Give this test worker its own Redis databases and prefixes, never the app's DB 0 and 1."""
    if not settings.SERVED or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        raise pytest.UsageError(
            "The suite runs on PostgreSQL and Redis: run it with `make test` "
            "(or set DATABASE_URL and REDIS_URL)."
        )
    # The served processes the tests start pool their connections (config/settings.py); this
    # process does not: threads of the tests themselves (concurrency tests, asyncio.to_thread)
    # end without handing their connection back, which would drain a pool, and connections
    # left open by database_sync_to_async threads would block dropping the test DB.
    settings.DATABASES["default"]["OPTIONS"].pop("pool", None)
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    number = _worker_number()
    if number > 6:
        raise pytest.UsageError("Worker slots 0-6 only: Redis has 16 databases.")
    settings.REDIS_CACHE_DB = 2 + 2 * number
    settings.REDIS_CHANNELS_DB = 3 + 2 * number
    settings.CACHES["default"]["LOCATION"] = redis_url_for_db(
        settings.REDIS_URL, settings.REDIS_CACHE_DB
    )
    settings.CACHES["default"]["KEY_PREFIX"] = f"cohort.test.{number}"
    layer = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    layer["hosts"][0]["address"] = redis_url_for_db(settings.REDIS_URL, settings.REDIS_CHANNELS_DB)
    layer["prefix"] = f"cohort.test.{number}.asgi"


@pytest.fixture(autouse=True)
def clean_redis():
    """Start every test with this worker's Redis databases empty and a fresh channel layer.

    Values a process keeps from the cache for a while (config.cache.KeptLocally) go too.
    """
    KeptLocally.forget_all()
    for db in (settings.REDIS_CACHE_DB, settings.REDIS_CHANNELS_DB):
        client = redis.Redis.from_url(redis_url_for_db(settings.REDIS_URL, db))
        client.flushdb()
        client.close()
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Start each test in the default language: a Korean request must not leak into the next."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def close_chat_ingest_connection():
    """Close the database connection of this process's chat ingest thread after each test.

    It stays open between batches (CONN_MAX_AGE), as in a served process; left open here it
    would count among the server processes' sessions and keep the test database busy.
    """
    yield
    from django.db import connections

    from chat import ingest

    ingest._thread.submit(connections.close_all).result()


@pytest.fixture
def make_user(db):
    def make(username: str, **fields):
        return user_create(
            username=username,
            email=f"{username}@example.com",
            password=PASSWORD,
            **fields,
        )

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice", display_name="Alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob", display_name="Bob")


def session_key_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(path: str, session_key: str | None = None, origin: str = "http://testserver"):
    """Return a communicator speaking to the full ASGI stack, as a browser on `origin` would."""
    from config.asgi import application

    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.fixture
def served(transactional_db):
    """Start server processes serving the test database and this worker's Redis databases."""
    started = []

    def start() -> ServedProcess:
        process = ServedProcess()
        process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def in_thread(function, *args, **kwargs):
    """Run ORM code from a Playwright test.

    Playwright's sync API keeps an event loop in the test's thread, where Django refuses
    synchronous database access; a short-lived thread (whose connection is closed after)
    does it instead.
    """

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def pytest_terminal_summary(terminalreporter):
    """Show the recovery times the fault tests measured (tests/faults/)."""
    lines = []
    for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed"):
        if report.when != "call":
            continue
        lines += [
            f"{report.nodeid}: {name} = {value} s"
            for name, value in report.user_properties
            if name.endswith("_s")
        ]
    if lines:
        terminalreporter.section("fault recovery times")
        for line in lines:
            terminalreporter.write_line(line)
