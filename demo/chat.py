"""Demo chat rooms for `manage.py seed_demo`."""

from accounts.models import User
from chat import services
from chat.models import Category, Room
from studies.models import Study

DEMO_STUDY_TITLE = "Algorithm interview prep"
DEMO_MESSAGES = [
    ("bob", "Welcome! Post your week 1 solutions here before Friday."),
    ("alice", "Done with the first two. The third one (edit distance) is tricky."),
    ("carol", "@alice try filling the table bottom-up, it clicked for me that way."),
]


def seed_chat() -> None:
    """Open a general room in the board's demo study with a short conversation, once."""
    study = Study.objects.filter(title=DEMO_STUDY_TITLE, owner__username="bob").first()
    if study is None or Room.objects.filter(study=study).exists():
        return
    users = {
        user.username: user for user in User.objects.filter(username__in=["alice", "bob", "carol"])
    }
    room = services.room_open(study=study, category=Category.GENERAL, by=users["bob"])
    for number, (username, body) in enumerate(DEMO_MESSAGES):
        services.message_post(
            room_id=room.pk, author=users[username], body=body, client_id=f"demo-{number}"
        )
