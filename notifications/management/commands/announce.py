from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from notifications.models import Kind
from notifications.services import notify


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
            sent = notify(
                users=list(users),
                kind=Kind.ANNOUNCEMENT,
                text=text,
                url=url or reverse("notifications:list"),
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Announcement sent to {len(sent)} users.")
