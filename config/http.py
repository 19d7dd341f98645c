"""Django's ASGI handler for pages, with the whole middleware chain and the view on one thread.

Django builds an ASGI handler's middleware chain async and adapts every middleware that is not:
a sync-only middleware (WhiteNoise, this project's own) under async ones sends the request
back to the event loop (async_to_sync), each MiddlewareMixin running async hands its
process_request and process_response to a thread one by one, and the sync view is one more
hop. Every page here is synchronous, so this handler runs the chain as WSGI does, on the
request's thread in one hop from the loop: the same thread Django's request signals use.

That thread was a new one for every request (asgiref's ThreadSensitiveContext), started and
joined each time: about 0.7 ms of a page. Here each request borrows a one-thread executor that
an earlier request has finished with, as a WSGI server's thread pool would.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler

# Idle request threads kept for later requests; past this many (after a burst), they end.
IDLE_THREADS_KEPT = 32


def _nothing() -> None:
    pass


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        # The event loop's thread alone takes and returns executors: no lock is needed.
        executor = self._idle.pop() if self._idle else self._new_executor()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._when_idle(executor)

    def _when_idle(self, executor: ThreadPoolExecutor) -> None:
        """Keep the executor for a later request once its thread is done.

        A client that leaves before its page is ready ends the request here while the view
        still runs on the thread: the next request must not wait behind it.
        """
        loop = asyncio.get_running_loop()

        def keep(_done) -> None:
            if len(self._idle) < IDLE_THREADS_KEPT:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

        # Queued after the request's own work: done once the thread has nothing left of it.
        executor.submit(_nothing).add_done_callback(
            lambda done: loop.call_soon_threadsafe(keep, done)
        )

    @staticmethod
    def _new_executor() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
