from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views
from config.health import healthz

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
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
    path("admin/", admin.site.urls),
]
