from django.core.management.base import BaseCommand

from rtc.services import calls_sweep


class Command(BaseCommand):
    help = (
        "Remove call participants left behind by crashed processes and end calls nobody is in "
        "any more (run every minute or so; joins also sweep their own call)."
    )

    def handle(self, *args, **options):
        calls_sweep()
