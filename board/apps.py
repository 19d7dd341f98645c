from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "board"

    def ready(self):
        from board import signals  # noqa: F401 (connects the receivers)
