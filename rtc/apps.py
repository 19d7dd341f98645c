from django.apps import AppConfig


class RtcConfig(AppConfig):
    name = "rtc"
    verbose_name = "Calls"
