from django.apps import AppConfig


class UserSessionsConfig(AppConfig):
    name = "usersessions"
    verbose_name = "Sessions by user"
