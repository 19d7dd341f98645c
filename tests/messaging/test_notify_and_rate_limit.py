"""A new message notifies only when no page of that conversation is open; the flood limit."""

import pytest
import redis
from channels.db import database_sync_to_async

from messaging import presence
from messaging.errors import TooManyMessages
from messaging.models import Message
from messaging.services import SEND_LIMIT, conversation_get_or_create, message_send
from notifications.models import Kind, Notification
from tests.clock import Clock
from tests.messaging.helpers import connected, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch):
    """The clock of the DM flood limit and of open-page records."""
    clock = Clock()
    monkeypatch.setattr(SEND_LIMIT, "clock", clock)
    monkeypatch.setattr(presence, "clock", clock)
    return clock


@database_sync_to_async
def dm_notifications(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=Kind.DIRECT_MESSAGE))


async def test_a_message_notifies_when_no_conversation_page_is_open(alice, bob):
    message = await database_sync_to_async(send)(alice, bob, "are you there?")
    [notification] = await dm_notifications(bob)
    assert notification.text == "Alice: are you there?"
    assert notification.actor_id == alice.pk
    assert notification.url == f"/messages/{message.conversation_id}/"
    assert await dm_notifications(alice) == []


async def test_no_notification_while_the_conversation_is_open_in_any_tab(alice, bob):
    conversation = await database_sync_to_async(conversation_get_or_create)(user=alice, other=bob)
    tab, _ = await connected(bob)
    other_tab, _ = await connected(bob)
    for socket in (tab, other_tab):
        await socket.send_json_to({"type": "focus", "conversation": conversation.pk})
    assert await tab.receive_nothing(timeout=0.3) is True

    await database_sync_to_async(send)(alice, bob, "while open")
    assert await dm_notifications(bob) == []
    for socket in (tab, other_tab):
        assert (await socket.receive_json_from(timeout=2))["type"] == "message.new"

    # Closing one tab leaves the other open: still no notification.
    await tab.disconnect()
    assert await other_tab.receive_nothing(timeout=0.5) is True
    await database_sync_to_async(send)(alice, bob, "one tab left")
    assert await dm_notifications(bob) == []
    assert (await other_tab.receive_json_from(timeout=2))["type"] == "message.new"

    # Leaving the page (focus null) then notifies again.
    await other_tab.send_json_to({"type": "focus", "conversation": None})
    assert await other_tab.receive_nothing(timeout=0.5) is True
    await database_sync_to_async(send)(alice, bob, "after leaving")
    assert [n.text for n in await dm_notifications(bob)] == ["Alice: after leaving"]
    await other_tab.disconnect()


def test_an_open_page_record_expires_so_a_crash_leaves_no_ghost(alice, bob, settings, clock):
    conversation = conversation_get_or_create(user=alice, other=bob)
    settings.MESSAGING_FOCUS_TTL_S = 60
    # A socket recorded the page, then its process died without clearing the record.
    presence.conversation_open_mark(user_id=bob.pk, conversation_id=conversation.pk)
    clock.now += 59
    send(alice, bob, "while the page was open")
    assert Notification.objects.filter(recipient=bob, kind=Kind.DIRECT_MESSAGE).count() == 0
    clock.now += 1
    send(alice, bob, "after the record expired")
    assert Notification.objects.filter(recipient=bob, kind=Kind.DIRECT_MESSAGE).count() == 1


def test_thirty_messages_a_minute_then_rate_limited(alice, bob, clock):
    for number in range(30):
        send(alice, bob, f"message {number}")
        clock.now += 1
    with pytest.raises(TooManyMessages) as refused:
        send(alice, bob, "one too many")
    # The first message leaves the window a minute after it was sent: 30 s from now.
    assert refused.value.retry_after == 30
    assert Message.objects.filter(sender=alice).count() == 30
    # The limit is per sender.
    send(bob, alice, "bob may still answer")
    clock.now += 30
    send(alice, bob, "admitted again")


def test_resending_a_stored_client_id_is_not_counted(alice, bob, clock):
    first, created = message_send(sender=alice, recipient_id=bob.pk, body="same", client_id="again")
    assert created
    for _ in range(40):
        again, created = message_send(
            sender=alice, recipient_id=bob.pk, body="same", client_id="again"
        )
        assert (again.pk, created) == (first.pk, False)
    assert Message.objects.filter(sender=alice).count() == 1
    # Only the first send was counted: 29 more fit in the same minute, the 31st does not.
    for number in range(29):
        send(alice, bob, f"message {number}")
    with pytest.raises(TooManyMessages):
        send(alice, bob, "one too many")


async def test_rate_limited_error_frame_carries_retry_after(alice, bob, clock):
    for number in range(30):
        await database_sync_to_async(send)(alice, bob, f"m{number}")
    socket, _ = await connected(alice)
    await socket.send_json_to(
        {"type": "send", "to": bob.pk, "body": "flood", "client_id": "f", "ref": "s1"}
    )
    error = await socket.receive_json_from(timeout=2)
    assert error["type"] == "error"
    assert error["code"] == "rate_limited"
    assert error["ref"] == "s1"
    assert error["retry_after"] == 60
    assert error["detail"] == "You are sending messages too fast."
    assert await socket.receive_nothing() is True
    await socket.disconnect()


def test_while_the_cache_is_unreachable_a_message_notifies(alice, bob, monkeypatch):
    conversation = conversation_get_or_create(user=alice, other=bob)
    presence.conversation_open_mark(user_id=bob.pk, conversation_id=conversation.pk)

    def unreachable(*args, **kwargs):
        raise redis.ConnectionError("Connection refused")

    # Nobody can tell whether bob's page shows the conversation: he is told of the message.
    monkeypatch.setattr(presence.cache, "get", unreachable)
    send(alice, bob, "while Redis is away")
    assert Notification.objects.filter(recipient=bob, kind=Kind.DIRECT_MESSAGE).count() == 1
