from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of `manage.py seed_demo`; it depends on the apps, never the other way."""

    name = "demo"
