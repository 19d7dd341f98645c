from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views
from config import views as site_views
from config.health import healthz

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("u/<str:username>/", account_views.profile, name="profile"),
    path("notifications/", include("notifications.urls")),
    path("studies/", include("studies.urls")),
    path("studies/<int:study_id>/board/", include("board.urls")),
    path("messages/", include("messaging.urls")),
    path("studies/<int:study_id>/call/", include("rtc.urls")),
    path("chat/", include("chat.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

handler404 = "config.views.not_found"
