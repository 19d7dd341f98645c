import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Set up Django before importing anything that touches models.
django.setup(set_prefix=False)

from config.http import SyncChainASGIHandler

django_asgi_app = SyncChainASGIHandler()

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
