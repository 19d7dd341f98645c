import contextlib
import logging

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from notifications.models import Kind
from notifications.services import notify


class _Failures(logging.Handler):
    """Count what realtime.sender reports it could not send."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record):
        self.count += 1


@contextlib.contextmanager
def _sender_failures():
    failures = _Failures()
    logger = logging.getLogger("realtime.sender")
    logger.addHandler(failures)
    try:
        yield failures
    finally:
        logger.removeHandler(failures)


class Command(BaseCommand):
    help = "Send an announcement notification to the named users, or to every active user."

    def add_arguments(self, parser):
        parser.add_argument("text")
        parser.add_argument("--user", action="append", dest="usernames", default=[])
        parser.add_argument("--url", default=None, help="Local path the notification links to.")

    def handle(self, *args, text, usernames, url, **options):
        users = get_user_model().objects.filter(is_active=True)
        if usernames:
            users = users.filter(username__in=usernames)
            missing = set(usernames) - set(users.values_list("username", flat=True))
            if missing:
                raise CommandError(f"No such users: {', '.join(sorted(missing))}")
        try:
            with _sender_failures() as failures:
                sent = notify(
                    users=list(users),
                    kind=Kind.ANNOUNCEMENT,
                    text=text,
                    url=url or reverse("notifications:list"),
                )
        except ValueError as error:
            raise CommandError(str(error)) from None
        # Stored is done: exit 0 even when live delivery failed, so that a retry (by a person or
        # a script) does not store the announcement twice. Open pages catch up by resume.
        self.stdout.write(
            f"Announcement stored for {len(sent)} user{'' if len(sent) == 1 else 's'}."
        )
        if failures.count:
            self.stderr.write(
                "Live delivery failed (Redis unreachable?): the users see the announcement when "
                "their pages reconnect or resume. Do not run this again: it would be stored twice."
            )
