import io

from django.core.management import call_command

from accounts.models import User
from messaging.models import Conversation, Message
from messaging.selectors import unread_total_for


def test_seed_demo_adds_conversations_once(db):
    call_command("seed_demo", stdout=io.StringIO())
    conversations, messages = Conversation.objects.count(), Message.objects.count()
    assert conversations == 2
    assert messages == 4
    alice = User.objects.get(username="alice")
    # Alice answered Bob, so only Carol's message is unread.
    assert unread_total_for(alice) == 1
    call_command("seed_demo", stdout=io.StringIO())
    assert (Conversation.objects.count(), Message.objects.count()) == (conversations, messages)
