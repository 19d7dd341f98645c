from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import user_create
from demo.board import seed_board
from demo.chat import seed_chat
from demo.messaging import seed_messaging
from demo.studies import seed_studies

DEMO_PASSWORD = "cohort-demo-2026"
DEMO_USERS = [
    (
        "alice",
        "Alice Kim",
        "Asia/Seoul",
        "Preparing for the information processing engineer exam.",
    ),
    (
        "bob",
        "Bob Park",
        "Asia/Seoul",
        "Backend developer; I run a weekly algorithms group.",
    ),
    (
        "carol",
        "Carol Lee",
        "Europe/Berlin",
        "Learning Korean and Django at the same time.",
    ),
    (
        "dave",
        "Dave Choi",
        "America/New_York",
        "Data analyst, into statistics study groups.",
    ),
]


class Command(BaseCommand):
    help = "Load the demo data. Running it again changes nothing."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for username, display_name, timezone, bio in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = user_create(
                username=username,
                email=f"{username}@example.com",
                password=DEMO_PASSWORD,
                timezone=timezone,
                display_name=display_name,
            )
            user.bio = bio
            user.save(update_fields=["bio"])
            created += 1
        studies = seed_studies()
        seed_board()
        seed_chat()
        seed_messaging()
        self.stdout.write(
            f"Demo data ready ({created} users, {studies} studies created). "
            "Log in as alice, bob, carol or dave "
            f"with the password {DEMO_PASSWORD!r}."
        )
