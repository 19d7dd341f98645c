"""Django's ASGI handler for pages, with the whole middleware chain and the view on one thread.

Django builds an ASGI handler's middleware chain async and adapts every middleware that is not:
a sync-only middleware (WhiteNoise, this project's own) under async ones sends the request
back to the event loop (async_to_sync), each MiddlewareMixin running async hands its
process_request and process_response to a thread one by one, and the sync view is one more
hop. Every page here is synchronous, so this handler runs the chain as WSGI does, on the
request's thread in one hop from the loop: the same thread Django's request signals use.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
