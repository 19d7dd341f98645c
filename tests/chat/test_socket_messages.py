"""Sending, resending, editing, deleting and paging messages over /ws/chat/<room_id>/."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from chat import consumers
from chat.models import Category, Message
from chat.services import message_post
from notifications.models import Kind, Notification
from tests.chat.factories import join, make_room, make_study
from tests.chat.sockets import drain_presence, open_socket, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def study(alice, bob):
    return make_study(alice, bob)


@pytest.fixture
def room(study, bob):
    return make_room(study, bob)


@database_sync_to_async
def stored(room) -> list[tuple[int, str, str]]:
    return list(
        Message.objects.filter(room=room)
        .order_by("seq")
        .values_list("seq", "author__username", "body")
    )


@database_sync_to_async
def post_many(room, user, count: int, prefix: str = "m") -> None:
    for i in range(count):
        message_post(room_id=room.pk, author=user, body=f"{prefix}{i}", client_id=f"{prefix}{i}")


async def two_sockets(room, alice, bob):
    alices, _ = await open_socket(alice, room)
    bobs, _ = await open_socket(bob, room)
    await drain_presence(alices)
    return alices, bobs


async def test_a_message_is_acknowledged_stored_and_broadcast(room, alice, bob):
    alices, bobs = await two_sockets(room, alice, bob)
    await alices.send_json_to({"type": "send", "body": "  hi bob  ", "client_id": "c1"})
    ack = await receive_type(alices, "chat.ack")
    assert ack["client_id"] == "c1"
    message = ack["message"]
    assert (message["seq"], message["body"], message["author"]["username"]) == (
        1,
        "hi bob",
        "alice",
    )
    assert await receive_type(alices, "chat.message") == {
        "type": "chat.message",
        "message": message,
    }
    assert await receive_type(bobs, "chat.message") == {"type": "chat.message", "message": message}
    assert await stored(room) == [(1, "alice", "hi bob")]
    assert await bobs.receive_nothing() is True
    await alices.disconnect()
    await bobs.disconnect()


async def test_a_resent_client_id_returns_the_original_and_broadcasts_nothing(room, alice, bob):
    alices, bobs = await two_sockets(room, alice, bob)
    await alices.send_json_to({"type": "send", "body": "once", "client_id": "same"})
    first = (await receive_type(alices, "chat.ack"))["message"]
    await receive_type(alices, "chat.message")
    await receive_type(bobs, "chat.message")
    await alices.disconnect()

    # After a reconnect, the client resends what it had not seen acknowledged.
    again, _ = await open_socket(alice, room)
    await drain_presence(bobs)
    await again.send_json_to({"type": "send", "body": "once", "client_id": "same"})
    assert (await receive_type(again, "chat.ack"))["message"] == first
    assert await again.receive_nothing(timeout=0.3) is True
    assert await bobs.receive_nothing(timeout=0.3) is True
    assert await stored(room) == [(1, "alice", "once")]
    await again.disconnect()
    await bobs.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "send", "body": "   ", "client_id": "c"}, "bad_body"),
        ({"type": "send", "body": "x" * 4001, "client_id": "c"}, "bad_body"),
        ({"type": "send", "body": 7, "client_id": "c"}, "bad_body"),
        ({"type": "send", "body": "hi"}, "bad_frame"),
        ({"type": "send", "body": "hi", "client_id": "x" * 65}, "bad_frame"),
        ({"type": "edit", "id": "1", "body": "hi"}, "bad_frame"),
        ({"type": "history", "before": 0}, "bad_frame"),
        ({"type": "history", "before": 5, "limit": 101}, "bad_frame"),
        ({"type": "resume", "after": -1}, "bad_frame"),
        ({"type": "history", "before": 2**64}, "bad_frame"),
        ({"type": "delete", "id": 2**63}, "bad_frame"),
        ({"type": "shout"}, "unknown_type"),
    ],
)
async def test_bad_frames_get_an_error_store_nothing_and_the_socket_survives(
    room, alice, frame, code
):
    socket, _ = await open_socket(alice, room)
    await socket.send_json_to({**frame, "ref": "r1"})
    error = await receive_type(socket, "error")
    assert (error["code"], error["ref"]) == (code, "r1")
    assert await stored(room) == []
    await socket.send_json_to({"type": "send", "body": "still here", "client_id": "ok"})
    assert (await receive_type(socket, "chat.ack"))["message"]["body"] == "still here"
    await socket.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_json"),
        ('{"type": "send", "body": "' + "x" * 17000 + '"}', "frame_too_large"),
    ],
)
async def test_invalid_json_and_oversized_frames_get_an_error(room, alice, raw, code):
    socket, _ = await open_socket(alice, room)
    await socket.send_to(text_data=raw)
    assert (await receive_type(socket, "error"))["code"] == code
    await socket.send_json_to({"type": "send", "body": "fine", "client_id": "ok"})
    assert (await receive_type(socket, "chat.ack"))["message"]["seq"] == 1
    await socket.disconnect()


async def test_flood_control_answers_rate_limited_and_stores_nothing(room, alice, settings):
    settings.CHAT_FLOOD_LIMIT = 3
    socket, _ = await open_socket(alice, room)
    for i in range(3):
        await socket.send_json_to({"type": "send", "body": f"m{i}", "client_id": f"c{i}"})
        await receive_type(socket, "chat.ack")
        await receive_type(socket, "chat.message")
    await socket.send_json_to(
        {"type": "send", "body": "one too many", "client_id": "c3", "ref": "x"}
    )
    error = await receive_type(socket, "error")
    assert (error["code"], error["ref"]) == ("rate_limited", "x")
    assert 0 < error["retry_after"] <= 10
    assert [body for _seq, _user, body in await stored(room)] == ["m0", "m1", "m2"]
    assert await socket.receive_nothing() is True
    await socket.disconnect()


@pytest.mark.parametrize("in_flight_max", [32, 2])
async def test_a_burst_of_sends_is_answered_in_order_and_stored_together(
    room, alice, bob, settings, monkeypatch, in_flight_max
):
    """A sender that does not wait for each ack: every send gets its answer, in the order sent
    (acks, and the error of the one refused), each ack before the room's copy of its message,
    and the posts share commits. With a small in-flight limit the socket waits instead."""
    settings.CHAT_FLOOD_LIMIT = 1000
    monkeypatch.setattr(consumers, "SENDS_IN_FLIGHT_MAX", in_flight_max)
    batches = []
    store = consumers.ingest.services.message_post_many

    def recording(posts):
        batches.append(len(posts))
        return store(posts)

    monkeypatch.setattr(consumers.ingest.services, "message_post_many", recording)
    alices, bobs = await two_sockets(room, alice, bob)
    frames = [{"type": "send", "body": f"m{i}", "client_id": f"c{i}"} for i in range(20)]
    frames[7] = {"type": "send", "body": "   ", "client_id": "blank", "ref": "r7"}
    for frame in frames:
        await alices.send_json_to(frame)
    answers, acked = [], set()
    while len(answers) < 20:
        frame = await alices.receive_json_from(3)
        if frame["type"] == "chat.ack":
            answers.append(frame["client_id"])
            acked.add(frame["message"]["seq"])
        elif frame["type"] == "error":
            answers.append(frame["ref"])
        elif frame["type"] == "chat.message":
            assert frame["message"]["seq"] in acked, "the room's copy came before the ack"
    assert answers == [f"c{i}" if i != 7 else "r7" for i in range(20)]
    bodies = [f"m{i}" for i in range(20) if i != 7]
    assert [body for _seq, _user, body in await stored(room)] == bodies
    seen_by_bob = [(await receive_type(bobs, "chat.message"))["message"]["body"] for _ in bodies]
    assert seen_by_bob == bodies
    assert sum(batches) == 20
    assert max(batches) <= in_flight_max
    if in_flight_max > 2:
        assert len(batches) < 20
    await alices.disconnect()
    await bobs.disconnect()


async def test_connect_sends_the_latest_50_messages(room, alice, settings):
    settings.CHAT_FLOOD_LIMIT = 1000
    await post_many(room, alice, 60)
    socket, state = await open_socket(alice, room)
    assert [m["seq"] for m in state["messages"]] == list(range(11, 61))
    await socket.disconnect()


async def test_history_pages_before_a_sequence_number(room, alice, settings):
    settings.CHAT_FLOOD_LIMIT = 1000
    await post_many(room, alice, 130)
    socket, state = await open_socket(alice, room)
    oldest = state["messages"][0]["seq"]
    await socket.send_json_to({"type": "history", "before": oldest})
    page = await receive_type(socket, "chat.history")
    assert [m["seq"] for m in page["messages"]] == list(range(1, 81))
    assert page["complete"] is True
    await socket.send_json_to({"type": "history", "before": 81, "limit": 30})
    page = await receive_type(socket, "chat.history")
    assert [m["seq"] for m in page["messages"]] == list(range(51, 81))
    assert page["complete"] is False
    await socket.disconnect()


async def test_resume_sends_exactly_the_missed_messages(room, alice, bob, settings):
    settings.CHAT_FLOOD_LIMIT = 1000
    await post_many(room, alice, 5, "before")
    await post_many(room, bob, 230, "missed")
    socket, _ = await open_socket(alice, room)
    await socket.send_json_to({"type": "resume", "after": 5})
    seqs = []
    while True:
        frame = await receive_type(socket, "chat.backlog")
        seqs += [m["seq"] for m in frame["messages"]]
        if frame["complete"]:
            break
    assert seqs == list(range(6, 236))
    assert await socket.receive_nothing() is True
    await socket.disconnect()


async def test_resume_pages_stay_100_when_reads_are_larger(room, alice, bob, settings, monkeypatch):
    settings.CHAT_FLOOD_LIMIT = 1000
    monkeypatch.setattr(consumers, "RESUME_READ", 200)
    await post_many(room, bob, 200, "missed")
    socket, _ = await open_socket(alice, room)
    await socket.send_json_to({"type": "resume", "after": 0})
    frames = [await receive_type(socket, "chat.backlog") for _ in range(3)]
    assert [(f["after"], len(f["messages"]), f["complete"]) for f in frames] == [
        (0, 100, False),
        (100, 100, False),
        (200, 0, True),
    ]
    assert [m["seq"] for f in frames for m in f["messages"]] == list(range(1, 201))
    assert await socket.receive_nothing() is True
    await socket.disconnect()


async def test_resume_in_the_middle_of_a_burst_of_200(room, alice, bob, settings):
    settings.CHAT_FLOOD_LIMIT = 1000
    sender, _ = await open_socket(alice, room)
    reader, _ = await open_socket(bob, room)
    await drain_presence(sender)

    async def burst():
        for i in range(200):
            await sender.send_json_to({"type": "send", "body": f"b{i}", "client_id": f"b{i}"})

    sending = asyncio.create_task(burst())
    seen: list[dict] = []
    while len(seen) < 40:
        seen.append((await receive_type(reader, "chat.message"))["message"])
    await reader.disconnect()
    last_seen = seen[-1]["seq"]

    reader, _state = await open_socket(bob, room)
    await reader.send_json_to({"type": "resume", "after": last_seen})
    backlog: list[dict] = []
    live: list[dict] = []
    complete = False
    while not complete or len({m["seq"] for m in seen + backlog + live}) < 200:
        frame = await reader.receive_json_from(timeout=5)
        if frame["type"] == "chat.backlog":
            backlog += frame["messages"]
            complete = frame["complete"]
        elif frame["type"] == "chat.message":
            live.append(frame["message"])
    await sending

    # The backlog is exactly what was missed: it starts right after the last message seen.
    assert [m["seq"] for m in backlog] == list(range(last_seen + 1, last_seen + 1 + len(backlog)))
    # A client keeps messages by seq: live ones that the backlog already held are the same.
    merged = {m["seq"]: m for m in seen + backlog + live}
    assert [merged[seq]["body"] for seq in sorted(merged)] == [f"b{i}" for i in range(200)]
    assert sorted(merged) == list(range(1, 201))
    assert all(merged[m["seq"]] == m for m in live)
    assert len(await stored(room)) == 200
    await sender.disconnect()
    await reader.disconnect()


async def test_edit_own_message_reaches_everyone(room, alice, bob):
    alices, bobs = await two_sockets(room, alice, bob)
    await alices.send_json_to({"type": "send", "body": "teh", "client_id": "c"})
    message = (await receive_type(alices, "chat.ack"))["message"]
    await receive_type(bobs, "chat.message")
    await bobs.send_json_to({"type": "edit", "id": message["id"], "body": "hijack", "ref": "e"})
    assert (await receive_type(bobs, "error"))["code"] == "forbidden"
    await alices.send_json_to({"type": "edit", "id": message["id"], "body": "the"})
    for socket in (alices, bobs):
        while (frame := await socket.receive_json_from())["type"] != "chat.edited":
            assert frame["type"] in {"chat.message", "chat.ack"}
        assert frame["message"]["body"] == "the" and frame["message"]["edited_at"]
    assert (await stored(room))[0][2] == "the"
    await alices.disconnect()
    await bobs.disconnect()


async def test_members_delete_their_own_and_the_owner_deletes_any(
    room, study, alice, bob, make_user
):
    carol = await database_sync_to_async(make_user)("carol")
    await database_sync_to_async(join)(study, carol)
    bobs, _ = await open_socket(bob, room)
    carols, _ = await open_socket(carol, room)
    alices, _ = await open_socket(alice, room)
    for socket in (bobs, carols):
        await drain_presence(socket)
    await bobs.send_json_to({"type": "send", "body": "bob's", "client_id": "b"})
    message = (await receive_type(bobs, "chat.ack"))["message"]
    for socket in (alices, carols):
        await receive_type(socket, "chat.message")
    await bobs.receive_json_from()

    await carols.send_json_to({"type": "delete", "id": message["id"]})
    assert (await receive_type(carols, "error"))["code"] == "forbidden"
    await alices.send_json_to({"type": "delete", "id": message["id"]})  # alice owns the study
    for socket in (alices, bobs, carols):
        assert await receive_type(socket, "chat.deleted") == {
            "type": "chat.deleted",
            "id": message["id"],
            "seq": 1,
        }
    assert await stored(room) == [(1, "bob", "")]
    await bobs.send_json_to({"type": "delete", "id": message["id"]})
    assert (await receive_type(bobs, "error"))["code"] == "not_found"
    for socket in (alices, bobs, carols):
        await socket.disconnect()


async def test_a_member_of_another_room_receives_nothing(study, room, alice, bob):
    other = await database_sync_to_async(make_room)(study, alice, Category.QNA)
    elsewhere, _ = await open_socket(alice, other)
    socket, _ = await open_socket(bob, room)
    await socket.send_json_to({"type": "send", "body": "only here", "client_id": "c"})
    await receive_type(socket, "chat.ack")
    assert await elsewhere.receive_nothing(timeout=0.5) is True
    await socket.disconnect()
    await elsewhere.disconnect()


@database_sync_to_async
def mentioned() -> list[str]:
    return list(
        Notification.objects.filter(kind=Kind.CHAT_MENTION).values_list(
            "recipient__username", flat=True
        )
    )


async def test_mentions_notify_members_who_are_not_in_the_room(room, study, alice, bob, make_user):
    carol = await database_sync_to_async(make_user)("carol")
    await database_sync_to_async(join)(study, carol)
    await database_sync_to_async(make_user)("mallory")
    alices, bobs = await two_sockets(room, alice, bob)
    await alices.send_json_to(
        {"type": "send", "body": "@bob @carol @mallory look", "client_id": "m"}
    )
    await receive_type(alices, "chat.ack")
    await receive_type(bobs, "chat.message")
    # Bob is in the room, mallory is no member: only carol is notified.
    assert await mentioned() == ["carol"]
    await alices.disconnect()
    await bobs.disconnect()
