"""Demo conversations for `manage.py seed_demo`; running it again changes nothing."""

from accounts.models import User
from messaging.models import Message
from messaging.services import conversation_get_or_create, conversation_mark_read

DEMO_CONVERSATIONS = [
    (
        "alice",
        "bob",
        [
            ("alice", "Hi Bob! Is the algorithms group meeting this Thursday?"),
            ("bob", "Yes, 8 pm as usual. We are doing dynamic programming."),
            ("alice", "Great, I will bring the past exam questions."),
        ],
    ),
    (
        "carol",
        "alice",
        [
            ("carol", "Alice, do you have notes on the database chapter?"),
        ],
    ),
]


def seed_messaging() -> None:
    """Create the demo messages that do not exist yet."""
    usernames = {name for first, second, _lines in DEMO_CONVERSATIONS for name in (first, second)}
    users = {user.username: user for user in User.objects.filter(username__in=usernames)}
    for first, second, lines in DEMO_CONVERSATIONS:
        if first not in users or second not in users:
            continue
        conversation = conversation_get_or_create(user=users[first], other=users[second])
        for number, (author, body) in enumerate(lines):
            sender = users[author]
            message, created = Message.objects.get_or_create(
                sender=sender,
                client_id=f"demo-{conversation.pk}-{number}",
                defaults={"conversation": conversation, "body": body},
            )
            if created:
                conversation.last_message_at = message.created_at
                conversation.save(update_fields=["last_message_at"])
                conversation_mark_read(user=sender, conversation=conversation, up_to=message.pk)
