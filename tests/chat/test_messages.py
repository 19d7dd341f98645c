"""Posting, idempotent resends, sequence numbers, history pages, edits and tombstones."""

import itertools
import threading

import pytest
from django.db import IntegrityError, connection
from django.test import override_settings

from chat import selectors
from chat.errors import BadBody, MessageNotFound, NotAllowed, RoomClosed, TooManyMessages
from chat.models import Category, Message
from chat.services import (
    FLOOD,
    message_delete,
    message_edit,
    message_post,
    presence_enter,
    room_close,
)
from notifications.models import Kind, Notification
from tests.chat.factories import join, make_room, make_study
from tests.clock import Clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(alice, bob):
    return make_study(alice, bob)


@pytest.fixture
def room(study, alice):
    return make_room(study, alice)


CLIENT_IDS = itertools.count()


def post(room, user, body="hello", client_id=None):
    return message_post(
        room_id=room.pk, author=user, body=body, client_id=client_id or f"c{next(CLIENT_IDS)}"
    )


def test_messages_get_consecutive_sequence_numbers(room, alice, bob):
    seqs = [post(room, user)[0]["seq"] for user in (alice, bob, alice)]
    assert seqs == [1, 2, 3]
    room.refresh_from_db()
    assert room.last_seq == 3


def test_a_post_costs_few_queries(room, alice, django_assert_max_num_queries):
    post(room, alice)
    # Duplicate check, sequence UPDATE … RETURNING, INSERT, and the savepoint pair.
    with django_assert_max_num_queries(5):
        post(room, alice)


def test_body_is_trimmed_and_limited(room, alice):
    payload, _ = post(room, alice, "  hi  ")
    assert payload["body"] == "hi"
    post(room, alice, "x" * 4000)
    for body in ("", "   \n ", "x" * 4001, None, 42):
        with pytest.raises(BadBody):
            post(room, alice, body)
    assert Message.objects.count() == 2


def test_resending_a_client_id_returns_the_original(room, alice, bob):
    first, new = post(room, alice, "once", client_id="abc")
    again, again_new = post(room, alice, "once, edited by a buggy client", client_id="abc")
    assert (new, again_new) == (True, False)
    assert again == first
    # Another author may use the same client id.
    bobs, bobs_new = post(room, bob, "mine", client_id="abc")
    assert bobs_new and bobs["seq"] == 2
    assert Message.objects.count() == 2


def test_outsiders_and_closed_rooms_store_nothing(room, alice, make_user):
    with pytest.raises(NotAllowed):
        post(room, make_user("mallory"))
    room_close(room=room, by=alice)
    with pytest.raises(RoomClosed):
        post(room, alice)
    assert not Message.objects.exists()
    room.refresh_from_db()
    assert room.last_seq == 0


def test_the_database_refuses_a_duplicate_sequence_number(room, alice):
    post(room, alice)
    with pytest.raises(IntegrityError):
        Message.objects.create(room=room, seq=1, author=alice, body="x", client_id="dup")


@override_settings(CHAT_FLOOD_LIMIT=5)
def test_flood_control_refuses_beyond_the_limit_and_stores_nothing(room, alice, bob, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(FLOOD, "clock", clock)
    for _ in range(5):
        post(room, alice)
    clock.now += 4
    with pytest.raises(TooManyMessages) as refused:
        post(room, alice)
    assert refused.value.retry_after == 6
    assert refused.value.code == "rate_limited"
    assert Message.objects.filter(author=alice).count() == 5
    # Per user: bob is not slowed down by alice.
    post(room, bob)
    # Ten seconds after the first five, the window has room again.
    clock.now += 6
    post(room, alice)


@override_settings(CHAT_FLOOD_LIMIT=1000)
def test_history_pages_walk_backwards_by_sequence(room, alice, django_assert_num_queries):
    for i in range(1, 251):
        post(room, alice, f"m{i}")
    with django_assert_num_queries(1):
        page = selectors.messages_before(room_id=room.pk, before=251, limit=100)
    assert [m["seq"] for m in page] == list(range(151, 251))
    page = selectors.messages_before(room_id=room.pk, before=page[0]["seq"], limit=500)
    assert [m["seq"] for m in page] == list(range(51, 151))
    assert [m["seq"] for m in selectors.messages_before(room_id=room.pk, before=51)] == list(
        range(1, 51)
    )
    assert [m["seq"] for m in selectors.latest_messages(room_id=room.pk)] == list(range(201, 251))


def test_history_uses_the_room_seq_index(room, alice):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT * FROM chat_message WHERE room_id = %s AND seq < %s "
            "ORDER BY seq DESC LIMIT 100",
            [room.pk, 100],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "chat_message_seq_once_per_room" in plan


def test_authors_edit_their_own_messages_only(room, alice, bob):
    payload, _ = post(room, bob, "typo")
    with pytest.raises(NotAllowed):
        message_edit(room_id=room.pk, message_id=payload["id"], by=alice, body="owner edit")
    edited = message_edit(room_id=room.pk, message_id=payload["id"], by=bob, body="fixed")
    assert edited["body"] == "fixed" and edited["edited_at"]
    with pytest.raises(BadBody):
        message_edit(room_id=room.pk, message_id=payload["id"], by=bob, body=" ")
    assert Message.objects.get(pk=payload["id"]).body == "fixed"


def test_authors_delete_their_own_and_the_owner_any(room, study, alice, bob, make_user):
    carol = make_user("carol")
    join(study, carol)
    bobs, _ = post(room, bob, "bob's")
    with pytest.raises(NotAllowed):
        message_delete(room_id=room.pk, message_id=bobs["id"], by=carol)
    message_delete(room_id=room.pk, message_id=bobs["id"], by=alice)  # the owner
    tombstone = Message.objects.get(pk=bobs["id"])
    assert tombstone.body == "" and tombstone.is_deleted
    with pytest.raises(MessageNotFound):
        message_delete(room_id=room.pk, message_id=bobs["id"], by=bob)
    carols, _ = post(room, carol, "carol's")
    message_delete(room_id=room.pk, message_id=carols["id"], by=carol)
    assert [m["deleted"] for m in selectors.latest_messages(room_id=room.pk)] == [True, True]


def test_a_message_of_another_room_is_not_found(study, room, alice):
    other = make_room(study, alice, Category.QNA)
    payload, _ = post(other, alice)
    with pytest.raises(MessageNotFound):
        message_delete(room_id=room.pk, message_id=payload["id"], by=alice)


def test_mentions_notify_members_who_are_not_in_the_room(room, study, alice, bob, make_user):
    outsider = make_user("mallory")
    make_user("carol")
    post(room, alice, "@bob and @mallory, see @alice, @nobody")
    mentions = Notification.objects.filter(kind=Kind.CHAT_MENTION)
    assert [n.recipient for n in mentions] == [bob]
    assert mentions[0].url == room.get_absolute_url()
    assert not mentions.filter(recipient=outsider).exists()


def test_mentions_skip_members_in_the_room(room, alice, bob):
    presence_enter(room_id=room.pk, user_id=bob.pk, channel_name="specific.bob")
    post(room, alice, "hi @bob")
    assert not Notification.objects.filter(kind=Kind.CHAT_MENTION).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_get_gap_free_unique_sequence_numbers(alice, bob):
    study = make_study(alice, bob)
    room = make_room(study, alice)
    barrier = threading.Barrier(8)
    errors = []

    def send(user, worker):
        try:
            barrier.wait()
            for i in range(15):
                message_post(room_id=room.pk, author=user, body="x", client_id=f"{worker}-{i}")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    with override_settings(CHAT_FLOOD_LIMIT=1000):
        threads = [threading.Thread(target=send, args=((alice, bob)[w % 2], w)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    seqs = list(Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 121))
