from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("studies/<int:study_id>/", views.study_rooms, name="study"),
    path("rooms/<int:room_id>/", views.room_detail, name="room"),
    path("rooms/<int:room_id>/close/", views.room_close_view, name="close"),
]
