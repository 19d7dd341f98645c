import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Set up Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter

from config.origin import SiteOriginValidator
from config.routing import websocket_urlpatterns
from realtime.sender import ServingLoopMiddleware

application = ServingLoopMiddleware(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": SiteOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
