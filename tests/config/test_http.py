"""config.http: pages run their whole middleware chain and view in one hop from the loop."""

import asyncio
import threading

import pytest
from asgiref.sync import AsyncToSync
from channels.testing import HttpCommunicator
from django.core.signals import request_finished
from django.test import override_settings

from config.asgi import django_asgi_app
from config.http import SyncChainASGIHandler
from tests.config import thread_probe

pytestmark = pytest.mark.django_db(transaction=True)

HOST = [(b"host", b"testserver")]


async def get(handler, path: str) -> dict:
    """Return the response, once the handler has finished with the request (closed it)."""
    communicator = HttpCommunicator(handler, "GET", path, headers=HOST)
    response = await communicator.get_response()
    await communicator.wait()
    return response


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
        response = await get(handler, "/probe/")

    assert response["status"] == 200 and response["body"] == b"ok"
    assert back_to_the_loop == []
    assert [where for where, _ in thread_probe.seen] == ["middleware", "middleware", "view"]
    threads = {thread for _, thread in thread_probe.seen}
    assert len(threads) == 1
    assert threads != {threading.get_ident()}


@override_settings(ROOT_URLCONF="tests.config.thread_probe")
async def test_a_request_reuses_the_thread_of_one_that_finished():
    handler = SyncChainASGIHandler()
    finished = []

    def on_finished(**kwargs):
        finished.append(threading.get_ident())

    request_finished.connect(on_finished)
    try:
        thread_probe.seen.clear()
        for _ in range(3):
            assert (await get(handler, "/probe/"))["status"] == 200
            # The thread is kept once it is done (a moment after the response).
            await asyncio.sleep(0.05)
    finally:
        request_finished.disconnect(on_finished)

    threads = [thread for _, thread in thread_probe.seen]
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()
    # Django's request_finished (which hands the database connection back) runs there too.
    assert finished == threads


@override_settings(ROOT_URLCONF="tests.config.thread_probe")
async def test_requests_at_the_same_time_have_threads_of_their_own():
    handler = SyncChainASGIHandler()
    thread_probe.together.reset()
    thread_probe.seen.clear()

    # Each waits in the view for the other: on one shared thread they could never meet.
    responses = await asyncio.gather(get(handler, "/meet/"), get(handler, "/meet/"))

    assert [response["status"] for response in responses] == [200, 200]
    assert len({thread for _, thread in thread_probe.seen}) == 2


@override_settings(ROOT_URLCONF="tests.config.thread_probe")
async def test_a_request_never_waits_behind_one_whose_client_left():
    handler = SyncChainASGIHandler()
    thread_probe.holding.clear()
    thread_probe.release.clear()
    thread_probe.seen.clear()
    left = HttpCommunicator(handler, "GET", "/hold/", headers=HOST)
    await left.send_input({"type": "http.request", "body": b"", "more_body": False})
    await asyncio.to_thread(thread_probe.holding.wait, 5)
    await left.send_input({"type": "http.disconnect"})
    await left.wait(timeout=5)

    try:
        # The held view still runs: this request gets a thread of its own, at once.
        response = await asyncio.wait_for(get(handler, "/probe/"), timeout=5)
    finally:
        thread_probe.release.set()

    assert response["status"] == 200
    (_, held), (_, served) = thread_probe.seen
    assert held != served
    # Once the held view is done, its thread is kept for later requests again.
    for _ in range(50):
        if len(handler._idle) == 2:
            break
        await asyncio.sleep(0.05)
    assert len(handler._idle) == 2


async def test_the_served_pages_run_on_that_handler():
    assert isinstance(django_asgi_app, SyncChainASGIHandler)
    assert (await get(django_asgi_app, "/healthz"))["status"] == 200
