"""Group commit: several posts stored together, each with the outcome it would get alone."""

import asyncio

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from chat import ingest, services
from chat.errors import BadBody, MessageNotFound, NotAllowed, RoomClosed, TooManyMessages
from chat.models import Category, Message
from chat.services import Post, message_post_many, room_close
from tests.chat.factories import make_room, make_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(alice, bob):
    return make_study(alice, bob)


@pytest.fixture
def room(study, alice):
    return make_room(study, alice)


def test_a_batch_takes_consecutive_numbers_in_one_update(room, alice, bob):
    posts = [Post(room.pk, (alice, bob)[i % 2], f"m{i}", f"c{i}") for i in range(6)]
    with CaptureQueriesContext(connection) as queries:
        outcomes = message_post_many(posts)
    assert [payload["seq"] for payload, _new in outcomes] == [1, 2, 3, 4, 5, 6]
    assert all(new for _payload, new in outcomes)
    assert [o[0]["body"] for o in outcomes] == [f"m{i}" for i in range(6)]
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # Duplicate check, the sequence UPDATE, one INSERT, and the savepoint pair.
    assert statements.count("UPDATE") == 1
    assert statements.count("INSERT") == 1
    assert len(statements) == 5
    room.refresh_from_db()
    assert room.last_seq == 6


def test_each_post_keeps_its_own_refusal(room, study, alice, bob, make_user):
    outsider = make_user("olga")
    posts = [
        Post(room.pk, alice, "fine", "a1"),
        Post(room.pk, outsider, "not a member", "o1"),
        Post(room.pk, bob, "   ", "b1"),
        Post(room.pk, bob, "also fine", "b2"),
    ]
    outcomes = message_post_many(posts)
    assert outcomes[0][0]["seq"] == 1
    assert isinstance(outcomes[1], NotAllowed)
    assert isinstance(outcomes[2], BadBody)
    assert outcomes[3][0]["seq"] == 2
    assert list(Message.objects.order_by("seq").values_list("body", flat=True)) == [
        "fine",
        "also fine",
    ]


def test_a_client_id_twice_in_a_batch_or_again_later_is_stored_once(room, alice):
    first, again = message_post_many(
        [Post(room.pk, alice, "once", "same"), Post(room.pk, alice, "twice", "same")]
    )
    assert first[1] is True and again == (first[0], False)
    [later] = message_post_many([Post(room.pk, alice, "thrice", "same")])
    assert later == (first[0], False)
    assert Message.objects.count() == 1


def test_flood_limit_counts_each_post_of_a_batch(room, alice):
    with override_settings(CHAT_FLOOD_LIMIT=3):
        outcomes = message_post_many([Post(room.pk, alice, f"m{i}", f"f{i}") for i in range(5)])
    assert [o[0]["seq"] for o in outcomes[:3]] == [1, 2, 3]
    assert all(isinstance(o, TooManyMessages) for o in outcomes[3:])


def test_posts_to_several_rooms_and_a_closed_one(study, alice, bob):
    general = make_room(study, alice)
    qna = make_room(study, alice, Category.QNA)
    closed = make_room(study, alice, Category.REVIEW)
    room_close(room=closed, by=alice)
    outcomes = message_post_many(
        [
            Post(general.pk, alice, "g1", "g1"),
            Post(qna.pk, bob, "q1", "q1"),
            Post(closed.pk, alice, "c1", "c1"),
            Post(general.pk, bob, "g2", "g2"),
        ]
    )
    assert [outcomes[0][0]["seq"], outcomes[1][0]["seq"], outcomes[3][0]["seq"]] == [1, 1, 2]
    assert isinstance(outcomes[2], RoomClosed)


def test_the_portable_path_gives_the_same_outcomes(study, alice, bob, make_user, monkeypatch):
    """The ORM path the embedded SQLite default takes (here on PostgreSQL, vendor aside)."""
    portable = []
    take_seqs = services._take_seqs_portable

    def recording(room_id, authors):
        portable.append(room_id)
        return take_seqs(room_id, authors)

    monkeypatch.setattr(services, "_take_seqs_postgresql", recording)
    room = make_room(study, alice)
    closed = make_room(study, alice, Category.REVIEW)
    room_close(room=closed, by=alice)
    outsider = make_user("olga")
    outcomes = message_post_many(
        [
            Post(room.pk, alice, "fine", "a1"),
            Post(room.pk, outsider, "not a member", "o1"),
            Post(closed.pk, alice, "closed", "c1"),
            Post(room.pk, bob, "also fine", "b1"),
            Post(10**9, alice, "nowhere", "n1"),
        ]
    )
    assert sorted(set(portable)) == sorted({room.pk, closed.pk, 10**9})
    assert [outcomes[0][0]["seq"], outcomes[3][0]["seq"]] == [1, 2]
    assert isinstance(outcomes[1], NotAllowed)
    assert isinstance(outcomes[2], RoomClosed)
    assert isinstance(outcomes[4], MessageNotFound)
    room.refresh_from_db()
    assert room.last_seq == 2
    [later] = message_post_many([Post(room.pk, bob, "third", "b2")])
    assert later[0]["seq"] == 3


@pytest.mark.django_db(transaction=True)
async def test_posts_waiting_together_share_one_batch(alice, bob, monkeypatch):
    from asgiref.sync import sync_to_async

    study = await sync_to_async(make_study)(alice, bob)
    room = await sync_to_async(make_room)(study, alice)
    batches = []
    store = ingest.services.message_post_many

    def recording(posts):
        batches.append(len(posts))
        return store(posts)

    monkeypatch.setattr(ingest.services, "message_post_many", recording)
    with override_settings(CHAT_FLOOD_LIMIT=1000):
        outcomes = await asyncio.gather(
            *(
                ingest.message_post(
                    room_id=room.pk, author=(alice, bob)[i % 2], body=f"m{i}", client_id=f"x{i}"
                )
                for i in range(20)
            )
        )
    # All 20 are waiting before the storing task first runs: one transaction for all.
    assert batches == [20]
    assert sorted(payload["seq"] for payload, _new in outcomes) == list(range(1, 21))
    assert [payload["body"] for payload, _ in outcomes] == [f"m{i}" for i in range(20)]


@pytest.mark.django_db(transaction=True)
async def test_a_refused_post_raises_for_its_sender_only(alice, bob, make_user):
    from asgiref.sync import sync_to_async

    study = await sync_to_async(make_study)(alice)
    room = await sync_to_async(make_room)(study, alice)
    outsider = await sync_to_async(make_user)("olga")
    ok, refused = await asyncio.gather(
        ingest.message_post(room_id=room.pk, author=alice, body="hi", client_id="a"),
        ingest.message_post(room_id=room.pk, author=outsider, body="hi", client_id="o"),
        return_exceptions=True,
    )
    assert ok[0]["seq"] == 1
    assert isinstance(refused, NotAllowed)


def _ingest_backend_pid() -> int:
    """The PostgreSQL backend of the ingest thread's own connection."""
    from django.db import connections

    return ingest._thread.submit(
        lambda: connections["default"].connection.info.backend_pid
    ).result()


@pytest.mark.django_db(transaction=True)
async def test_a_dropped_connection_fails_one_batch_and_the_next_reconnects(alice, monkeypatch):
    from asgiref.sync import sync_to_async
    from django.db import OperationalError

    # No periodic check in this test: only the failed batch can replace the connection.
    monkeypatch.setattr(ingest, "CHECK_EVERY_S", 3600)
    study = await sync_to_async(make_study)(alice)
    room = await sync_to_async(make_room)(study, alice)
    first, _ = await ingest.message_post(room_id=room.pk, author=alice, body="1", client_id="a")

    def terminate(pid: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    await sync_to_async(terminate)(_ingest_backend_pid())
    with pytest.raises(OperationalError):
        await ingest.message_post(room_id=room.pk, author=alice, body="2", client_id="b")
    # The client resends the refused post with its client id: stored once, right after the first.
    again, new = await ingest.message_post(room_id=room.pk, author=alice, body="2", client_id="b")
    assert new
    assert (first["seq"], again["seq"]) == (1, 2)
