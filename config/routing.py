from django.urls import re_path

from chat.routing import websocket_urlpatterns as chat_sockets
from messaging.routing import websocket_urlpatterns as messaging_sockets
from notifications.routing import websocket_urlpatterns as notification_sockets
from realtime.consumers import NotFoundConsumer
from rtc.routing import websocket_urlpatterns as rtc_sockets

websocket_urlpatterns = [
    *notification_sockets,
    *messaging_sockets,
    *rtc_sockets,
    *chat_sockets,
    # Last: any other path is answered with close code 4404 rather than an error.
    re_path(r"", NotFoundConsumer.as_asgi()),
]
