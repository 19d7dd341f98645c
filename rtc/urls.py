from django.urls import path

from rtc import views

app_name = "rtc"
urlpatterns = [
    path("", views.call_page, name="call"),
    path("ice/", views.ice_servers, name="ice"),
]
