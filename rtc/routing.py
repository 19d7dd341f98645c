from django.urls import path

from rtc.consumers import CallConsumer

websocket_urlpatterns = [
    path("ws/rtc/<int:study_id>/", CallConsumer.as_asgi()),
]
