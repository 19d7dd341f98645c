"""The WebSocket Origin check compares scheme, host and port (config/origin.py)."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from tests.conftest import communicator, session_key_for

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/notifications/"


def handshake(key: str, host: str | None, origin: str | None, **scope) -> WebsocketCommunicator:
    from config.asgi import application

    headers = [(b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())]
    if host is not None:
        headers.append((b"host", host.encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    socket = WebsocketCommunicator(application, PATH, headers=headers)
    socket.scope.update(scope)
    return socket


async def accepted(socket: WebsocketCommunicator) -> bool:
    connected, _ = await socket.connect()
    if connected:
        state = await socket.receive_json_from()
        assert state["type"] == "notifications.state"
    await socket.disconnect()
    return connected


@pytest.fixture
def key(alice, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    return session_key_for(alice)


SERVED = [
    ("127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("localhost:8000", "http://localhost:8000"),
    ("localhost", "http://localhost"),
    ("localhost", "http://localhost:80"),
    ("LOCALHOST:8000", "http://localhost:8000"),
]

DENIED = [
    # Another program on another port of the same host (the probe's finding).
    ("127.0.0.1:8000", "http://127.0.0.1:9999"),
    ("127.0.0.1:8000", "http://127.0.0.1"),
    ("localhost", "http://localhost:8080"),
    # Another scheme.
    ("127.0.0.1:8000", "https://127.0.0.1:8000"),
    ("localhost", "https://localhost"),
    ("127.0.0.1:8000", "ws://127.0.0.1:8000"),
    ("127.0.0.1:8000", "file://"),
    # Look-alike and other hosts.
    ("127.0.0.1:8000", "http://127.0.0.1.evil.com:8000"),
    ("127.0.0.1:8000", "http://evil.com:8000"),
    ("localhost:8000", "http://evil-localhost:8000"),
    ("localhost:8000", "http://localhost:8000.evil.com"),
    ("localhost:8000", "http://localhost:8000@evil.com"),
    ("localhost:8000", "http://localhost:8000/path"),
    ("localhost:8000", "null"),
    ("localhost:8000", ""),
    ("localhost:8000", None),
    # A matching Host and Origin on a host the site does not serve.
    ("127.0.0.1.evil.com:8000", "http://127.0.0.1.evil.com:8000"),
    ("evil.com", "http://evil.com"),
    (None, "http://localhost"),
]


async def test_the_sites_own_origin_is_served(key):
    served = [
        (host, origin) for host, origin in SERVED if await accepted(handshake(key, host, origin))
    ]
    assert served == SERVED


async def test_any_other_origin_is_denied_before_the_endpoint(key):
    served = [
        (host, origin) for host, origin in DENIED if await accepted(handshake(key, host, origin))
    ]
    assert served == []


async def test_the_proxy_header_names_https(key):
    """Behind the TLS proxy (SECURE_PROXY_SSL_HEADER), the site's origin is https."""
    proxied = [(b"x-forwarded-proto", b"https")]
    socket = handshake(key, "localhost", "https://localhost")
    socket.scope["headers"] = [*socket.scope["headers"], *proxied]
    assert await accepted(socket)
    socket = handshake(key, "localhost", "http://localhost")
    socket.scope["headers"] = [*socket.scope["headers"], *proxied]
    assert not await accepted(socket)


async def test_a_wss_scope_is_an_https_origin(key):
    assert await accepted(handshake(key, "localhost", "https://localhost", scheme="wss"))
    assert not await accepted(handshake(key, "localhost", "http://localhost", scheme="wss"))


async def test_csrf_trusted_origins_match_scheme_host_and_port(key, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.org", "https://*.cohort.example"]
    host = "localhost:8000"
    assert await accepted(handshake(key, host, "https://app.example.org"))
    assert await accepted(handshake(key, host, "https://eu.cohort.example"))
    assert await accepted(handshake(key, host, "https://cohort.example"))
    assert not await accepted(handshake(key, host, "http://app.example.org"))
    assert not await accepted(handshake(key, host, "https://app.example.org:8443"))
    assert not await accepted(handshake(key, host, "https://app.example.org.evil.com"))
    assert not await accepted(handshake(key, host, "https://evilcohort.example"))
    assert not await accepted(handshake(key, host, "https://cohort.example.evil.com"))


async def test_the_suites_communicator_is_served():
    """tests/conftest.py's communicator() speaks as the site's own page (testserver)."""
    alice = await database_sync_to_async(
        lambda: __import__("accounts.models").models.User.objects.create_user("z", "z@x.y", "p")
    )()
    key = await database_sync_to_async(session_key_for)(alice)
    assert await accepted(communicator(PATH, key))
    assert not await accepted(communicator(PATH, key, origin="http://testserver:8080"))
