"""config.http: pages run their whole middleware chain and view in one hop from the loop."""

import threading

import pytest
from asgiref.sync import AsyncToSync
from channels.testing import HttpCommunicator
from django.test import override_settings

from config.asgi import django_asgi_app
from config.http import SyncChainASGIHandler
from tests.config import thread_probe

pytestmark = pytest.mark.django_db(transaction=True)

HOST = [(b"host", b"testserver")]


async def test_middlewares_and_view_share_the_request_thread(settings, monkeypatch):
    middleware = [
        "tests.config.thread_probe.RecordThread",
        *settings.MIDDLEWARE,
        "tests.config.thread_probe.RecordThread",
    ]
    with override_settings(MIDDLEWARE=middleware, ROOT_URLCONF="tests.config.thread_probe"):
        handler = SyncChainASGIHandler()
        thread_probe.seen.clear()
        # Django's own ASGI handler goes back to the loop inside the chain (async_to_sync
        # around the async part under the first sync-only middleware): this one never does.
        back_to_the_loop = []
        async_to_sync_call = AsyncToSync.__call__
        monkeypatch.setattr(
            AsyncToSync,
            "__call__",
            lambda *args, **kwargs: (
                back_to_the_loop.append(1) or async_to_sync_call(*args, **kwargs)
            ),
        )
        response = await HttpCommunicator(handler, "GET", "/probe/", headers=HOST).get_response()

    assert response["status"] == 200 and response["body"] == b"ok"
    assert back_to_the_loop == []
    assert [where for where, _ in thread_probe.seen] == ["middleware", "middleware", "view"]
    threads = {thread for _, thread in thread_probe.seen}
    assert len(threads) == 1
    assert threads != {threading.get_ident()}


async def test_the_served_pages_run_on_that_handler():
    assert isinstance(django_asgi_app, SyncChainASGIHandler)
    response = await HttpCommunicator(
        django_asgi_app, "GET", "/healthz", headers=HOST
    ).get_response()
    assert response["status"] == 200
