from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("with/<str:username>/", views.conversation_start, name="start"),
    path("block/<str:username>/", views.block, name="block"),
    path("unblock/<str:username>/", views.unblock, name="unblock"),
    path("<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("<int:conversation_id>/history/", views.conversation_history, name="history"),
    path("<int:conversation_id>/send/", views.message_create, name="send"),
    path("<int:conversation_id>/read/", views.conversation_read, name="read"),
    path(
        "<int:conversation_id>/messages/<int:message_id>/delete/",
        views.message_remove,
        name="delete",
    ),
]
