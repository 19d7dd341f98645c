from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "board"

    def ready(self):
        from board import signals  # noqa: F401 (connects the receivers)
        from board.calendar import task_deadline_events
        from studies.calendar import register_event_source

        register_event_source(task_deadline_events)
