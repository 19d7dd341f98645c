"""`resume` after transactions that commit out of id order (docs/protocol.md, "Delivery").

Ids are drawn when a row is inserted, but the row shows only when its transaction commits. A
client that holds id 10 and resumes from it must still get id 9 when 9 committed after 10.
Each test holds one transaction open on a thread of its own, lets a newer row commit, drops the
client's connection, commits the older row, and resumes as the pages do.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, F, Value
from django.test.utils import CaptureQueriesContext

from chat.models import Message as ChatMessage
from chat.services import message_post
from messaging import presence
from messaging.models import Message
from messaging.selectors import messages_after_for
from notifications.models import Kind, Notification
from notifications.selectors import notifications_after_for
from notifications.services import notify
from tests.chat.factories import make_room, make_study
from tests.conftest import communicator, session_key_for
from tests.messaging.helpers import connected as messages_connected
from tests.messaging.helpers import send
from tests.transactions import HeldOpen, wait_for_a_lock_wait

pytestmark = pytest.mark.django_db(transaction=True)

ONE_MINUTE = Value(timedelta(minutes=1))


def notify_one(user, text):
    return notify(users=[user], kind=Kind.ANNOUNCEMENT, text=text, url="/notifications/")[0]


async def notifications_socket(user):
    socket = communicator("/ws/notifications/", await database_sync_to_async(session_key_for)(user))
    accepted, _ = await socket.connect()
    assert accepted
    state = await socket.receive_json_from()
    assert state["type"] == "notifications.state"
    return socket, state


async def test_a_notification_committed_after_a_newer_one_comes_back_on_resume(alice):
    late = await sync_to_async(HeldOpen)(lambda: notify_one(alice, "id drawn first"))
    early = await database_sync_to_async(notify_one)(alice, "id drawn second, committed first")
    assert late.result.pk < early.pk

    socket, state = await notifications_socket(alice)
    # The page holds everything up to the newest id it was told of...
    assert state["latest_id"] == early.pk
    await socket.disconnect()  # ...and its connection drops.
    await sync_to_async(late.commit)()  # The older id shows now; its live frame reaches nobody.

    socket, _ = await notifications_socket(alice)
    await socket.send_json_to({"type": "resume", "after": state["latest_id"]})
    frame = await socket.receive_json_from()
    assert frame["type"] == "notifications.resume"
    assert late.result.pk in [n["id"] for n in frame["notifications"]]
    await socket.disconnect()


async def test_a_direct_message_committed_after_a_newer_one_comes_back_on_resume(
    alice, bob, make_user
):
    carol = await database_sync_to_async(make_user)("carol")
    late = await sync_to_async(HeldOpen)(lambda: send(alice, bob, "id drawn first"))
    early = await database_sync_to_async(send)(carol, bob, "id drawn second, committed first")
    assert late.result.pk < early.pk

    socket, _ = await messages_connected(bob)
    await socket.send_json_to({"type": "resume", "after": 0})
    frame = await socket.receive_json_from()
    assert [m["id"] for m in frame["messages"]] == [early.pk]
    synced = frame["messages"][-1]["id"]  # What the client now holds everything up to.
    await socket.disconnect()
    await sync_to_async(late.commit)()

    socket, _ = await messages_connected(bob)
    await socket.send_json_to({"type": "resume", "after": synced})
    frame = await socket.receive_json_from()
    assert frame["type"] == "messages.resume"
    assert late.result.pk in [m["id"] for m in frame["messages"]]
    await socket.disconnect()


def created_before(model, rows, newest, seconds: float) -> None:
    """Set when each row was created, `seconds` before `newest` was."""
    for row in rows:
        model.objects.filter(pk=row.pk).update(
            created_at=newest.created_at - timedelta(seconds=seconds)
        )


def test_resume_sends_again_what_was_created_within_the_overlap_only(alice, settings):
    settings.REALTIME_RESUME_OVERLAP_S = 30
    Notification.objects.filter(recipient=alice).delete()  # The welcome.
    before, within, held, newer = (notify_one(alice, text) for text in "abcd")
    created_before(Notification, [before], held, 31)
    created_before(Notification, [within], held, 29)

    rows, more = notifications_after_for(alice, after=held.pk, limit=10)
    assert [n.pk for n in rows] == [within.pk, held.pk, newer.pk]
    assert more is False


def test_more_counts_what_is_newer_than_after_only(alice, settings):
    settings.REALTIME_RESUME_OVERLAP_S = 30
    held, first, second = (notify_one(alice, text) for text in "abc")

    rows, more = notifications_after_for(alice, after=held.pk, limit=1)
    assert [n.pk for n in rows] == [held.pk, first.pk]
    assert more is True
    # The client asks again from the newest id it got, and the answers move on.
    rows, more = notifications_after_for(alice, after=first.pk, limit=1)
    assert [n.pk for n in rows] == [first.pk, second.pk]
    assert more is False


def test_a_conversations_resume_sends_again_its_own_recent_messages_only(
    alice, bob, make_user, settings
):
    settings.REALTIME_RESUME_OVERLAP_S = 30
    carol = make_user("carol")
    before, within, held = (send(alice, bob, text) for text in "abc")
    elsewhere = send(carol, bob, "another conversation, just as recent")
    newer = send(bob, alice, "d")
    created_before(Message, [before], held, 31)
    created_before(Message, [within], held, 29)

    rows, more = messages_after_for(
        user=bob, after=held.pk, limit=10, conversation_id=held.conversation_id
    )
    assert [m.pk for m in rows] == [within.pk, held.pk, newer.pk]
    assert more is False
    rows, _more = messages_after_for(user=bob, after=held.pk, limit=10)
    assert [m.pk for m in rows] == [within.pk, held.pk, elsewhere.pk, newer.pk]


def test_the_overlap_of_a_long_conversation_is_read_through_its_index(alice, bob):
    first = send(alice, bob)
    Message.objects.bulk_create(
        Message(conversation_id=first.conversation_id, sender=alice, body="old", client_id=f"{n}")
        for n in range(5000)
    )
    # A month of messages, one a minute, before the newest.
    Message.objects.filter(conversation_id=first.conversation_id).update(
        created_at=ExpressionWrapper(
            Value(first.created_at - timedelta(days=30)) + (F("id") - first.pk) * ONE_MINUTE,
            output_field=DateTimeField(),
        )
    )
    held = send(alice, bob)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE messaging_message")
    for conversation_id in (held.conversation_id, None):
        with CaptureQueriesContext(connection) as queries:
            messages_after_for(user=bob, after=held.pk, limit=200, conversation_id=conversation_id)
        (overlap,) = [q["sql"] for q in queries if '"created_at" >=' in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {overlap}")
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert "dm_message_created" in plan


def test_a_chat_seq_commits_only_after_the_seqs_below_it(alice, bob):
    # So chat's resume by seq needs no overlap: a higher seq never shows before a lower one.
    room = make_room(make_study(alice, bob), alice)
    first = HeldOpen(
        lambda: message_post(room_id=room.pk, author=alice, body="first", client_id="a")[0]
    )

    def post_second():
        try:
            return message_post(room_id=room.pk, author=bob, body="second", client_id="b")[0]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(post_second)
        wait_for_a_lock_wait()  # The second post waits for the room that the first one holds.
        assert not ChatMessage.objects.filter(room=room).exists()
        first.commit()
        assert [first.result["seq"], second.result()["seq"]] == [1, 2]


def test_a_direct_message_asks_redis_nothing_between_its_insert_and_commit(alice, bob, monkeypatch):
    asked_in_a_transaction = []
    is_open = presence.conversation_is_open

    def watched(**kwargs):
        asked_in_a_transaction.append(connection.in_atomic_block)
        return is_open(**kwargs)

    monkeypatch.setattr(presence, "conversation_is_open", watched)
    send(alice, bob)
    assert asked_in_a_transaction == [False]
