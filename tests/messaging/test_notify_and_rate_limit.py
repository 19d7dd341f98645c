"""A new message notifies only when no page of that conversation is open; the flood limit."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.db import database_sync_to_async
from django.db import connection

from messaging import presence, ratelimit
from messaging.errors import RateLimited
from messaging.services import conversation_get_or_create, message_send
from notifications.models import Kind, Notification
from tests.messaging.helpers import connected, send

pytestmark = pytest.mark.django_db(transaction=True)


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


def test_an_open_page_record_expires_so_a_crash_leaves_no_ghost(alice, bob, settings):
    conversation = conversation_get_or_create(user=alice, other=bob)
    settings.MESSAGING_FOCUS_TTL_S = 1
    # A socket recorded the page, then its process died without clearing the record.
    presence.conversation_open_mark(user_id=bob.pk, conversation_id=conversation.pk)
    send(alice, bob, "while the page was open")
    assert Notification.objects.filter(recipient=bob, kind=Kind.DIRECT_MESSAGE).count() == 0
    time.sleep(1.5)
    send(alice, bob, "after the record expired")
    assert Notification.objects.filter(recipient=bob, kind=Kind.DIRECT_MESSAGE).count() == 1


def test_thirty_messages_a_minute_then_rate_limited(alice, bob):
    for number in range(30):
        send(alice, bob, f"message {number}")
    with pytest.raises(RateLimited) as refused:
        send(alice, bob, "one too many")
    assert 1 <= refused.value.retry_after <= 60
    # The limit is per sender.
    send(bob, alice, "bob may still answer")


def test_resending_a_stored_client_id_is_not_counted(alice, bob):
    for _ in range(40):
        message_send(sender=alice, recipient_id=bob.pk, body="same", client_id="again")


async def test_rate_limited_error_frame_carries_retry_after(alice, bob):
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
    assert 1 <= error["retry_after"] <= 60
    assert await socket.receive_nothing() is True
    await socket.disconnect()


def test_the_flood_limit_counts_concurrent_senders_exactly():
    def attempt(_number):
        try:
            return ratelimit.hit(scope="test", key="1", limit=30, window_s=60)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(50)))
    assert results.count(0) == 30
    assert all(1 <= wait <= 60 for wait in results if wait)


def test_a_new_window_opens_when_the_last_one_ends():
    for _ in range(2):
        assert ratelimit.hit(scope="test", key="w", limit=2, window_s=1) == 0
    assert ratelimit.hit(scope="test", key="w", limit=2, window_s=1) == 1
    time.sleep(1.2)
    assert ratelimit.hit(scope="test", key="w", limit=2, window_s=1) == 0
