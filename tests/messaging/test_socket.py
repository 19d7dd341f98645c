"""/ws/messages/ through the full ASGI stack: who may connect, send, and what each one hears."""

import pytest
from channels.db import database_sync_to_async

from messaging.models import Message
from messaging.services import block_create
from tests.conftest import communicator
from tests.messaging.helpers import PATH, connected, send

pytestmark = pytest.mark.django_db(transaction=True)


async def test_anonymous_socket_is_refused_with_4401():
    socket = communicator(PATH)
    accepted, _ = await socket.connect()
    assert accepted
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}
    assert await socket.receive_nothing() is True
    await socket.disconnect()


async def test_state_on_connect_counts_unread_messages(alice, bob):
    await database_sync_to_async(send)(alice, bob, "one")
    await database_sync_to_async(send)(alice, bob, "two")
    socket, state = await connected(bob)
    assert state == {"type": "messages.state", "unread": 2}
    await socket.disconnect()


async def test_a_sent_message_reaches_both_sides_and_nobody_else(alice, bob, make_user):
    carol = await database_sync_to_async(make_user)("carol")
    alice_socket, _ = await connected(alice)
    bob_socket, _ = await connected(bob)
    carol_socket, _ = await connected(carol)

    await alice_socket.send_json_to(
        {"type": "send", "to": bob.pk, "body": "  Hi Bob  ", "client_id": "c1"}
    )
    frames = [await alice_socket.receive_json_from(timeout=2) for _ in range(2)]
    assert sorted(frame["type"] for frame in frames) == ["message.new", "message.sent"]
    sent = next(frame for frame in frames if frame["type"] == "message.sent")["message"]
    assert sent["body"] == "Hi Bob"
    assert sent["client_id"] == "c1"
    assert sent["sender"] == {"id": alice.pk, "name": "Alice"}

    received = await bob_socket.receive_json_from(timeout=2)
    assert received["type"] == "message.new"
    assert received["message"] == sent
    assert received["unread"] == 1
    assert await carol_socket.receive_nothing(timeout=0.5) is True
    assert await bob_socket.receive_nothing() is True
    for socket in (alice_socket, bob_socket, carol_socket):
        await socket.disconnect()


async def test_the_same_client_id_sends_one_message(alice, bob):
    alice_socket, _ = await connected(alice)
    bob_socket, _ = await connected(bob)
    frame = {"type": "send", "to": bob.pk, "body": "once", "client_id": "same"}
    await alice_socket.send_json_to(frame)
    first = [await alice_socket.receive_json_from(timeout=2) for _ in range(2)]
    await alice_socket.send_json_to(frame)
    again = await alice_socket.receive_json_from(timeout=2)
    assert again["type"] == "message.sent"
    assert again["message"]["id"] == first[0]["message"]["id"]
    assert (await bob_socket.receive_json_from(timeout=2))["type"] == "message.new"
    assert await bob_socket.receive_nothing(timeout=0.5) is True
    assert await alice_socket.receive_nothing() is True
    assert await database_sync_to_async(Message.objects.count)() == 1
    await alice_socket.disconnect()
    await bob_socket.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "send", "to": 999999, "body": "hi", "client_id": "x"}, "not_found"),
        ({"type": "send", "to": "2", "body": "hi", "client_id": "x"}, "bad_frame"),
        ({"type": "send", "to": None, "body": "hi", "client_id": "x"}, "bad_frame"),
        ({"type": "send", "to": "BOB", "body": "   ", "client_id": "x"}, "invalid"),
        ({"type": "send", "to": "BOB", "body": "x" * 4001, "client_id": "x"}, "invalid"),
        ({"type": "send", "to": "BOB", "body": 5, "client_id": "x"}, "invalid"),
        ({"type": "send", "to": "BOB", "body": "hi"}, "invalid"),
        ({"type": "send", "to": "BOB", "body": "hi", "client_id": "c" * 65}, "invalid"),
        ({"type": "send", "to": "ALICE", "body": "hi", "client_id": "x"}, "forbidden"),
    ],
)
async def test_refused_sends_answer_an_error_and_store_nothing(alice, bob, frame, code):
    if frame["to"] == "BOB":
        frame = {**frame, "to": bob.pk}
    elif frame["to"] == "ALICE":
        frame = {**frame, "to": alice.pk}
    alice_socket, _ = await connected(alice)
    bob_socket, _ = await connected(bob)
    await alice_socket.send_json_to({**frame, "ref": "r1"})
    error = await alice_socket.receive_json_from(timeout=2)
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["ref"] == "r1"
    assert await bob_socket.receive_nothing(timeout=0.5) is True
    assert await database_sync_to_async(Message.objects.count)() == 0
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_a_body_of_exactly_4000_characters_is_accepted(alice, bob):
    socket, _ = await connected(alice)
    await socket.send_json_to({"type": "send", "to": bob.pk, "body": "x" * 4000, "client_id": "l"})
    frames = [await socket.receive_json_from(timeout=2) for _ in range(2)]
    assert {frame["type"] for frame in frames} == {"message.new", "message.sent"}
    await socket.disconnect()


@pytest.mark.parametrize("blocker", ["alice", "bob"])
async def test_blocking_either_way_makes_the_other_unavailable(alice, bob, blocker):
    by, of = (alice, bob) if blocker == "alice" else (bob, alice)
    await database_sync_to_async(block_create)(blocker=by, blocked=of)
    alice_socket, _ = await connected(alice)
    bob_socket, _ = await connected(bob)

    await alice_socket.send_json_to({"type": "send", "to": bob.pk, "body": "hi", "client_id": "b"})
    error = await alice_socket.receive_json_from(timeout=2)
    # The same answer whoever blocked: a block is never revealed.
    assert error == {
        "type": "error",
        "code": "unavailable",
        "detail": "This person is unavailable.",
    }
    assert await bob_socket.receive_nothing(timeout=0.5) is True
    assert await database_sync_to_async(Message.objects.count)() == 0
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_resume_sends_what_was_missed_in_the_users_conversations_only(alice, bob, make_user):
    carol = await database_sync_to_async(make_user)("carol")
    seen = await database_sync_to_async(send)(alice, bob, "seen before")
    missed = await database_sync_to_async(send)(alice, bob, "missed")
    await database_sync_to_async(send)(alice, carol, "not bob's")
    answer_to_bob = await database_sync_to_async(send)(bob, alice, "bob answers")

    socket, _ = await connected(bob)
    await socket.send_json_to({"type": "resume", "after": seen.pk})
    frame = await socket.receive_json_from(timeout=2)
    assert frame["type"] == "messages.resume"
    # `seen` came shortly before: it is sent again in case one of its time committed late.
    assert [m["id"] for m in frame["messages"]] == [seen.pk, missed.pk, answer_to_bob.pk]
    assert frame["more"] is False
    assert frame["unread"] == 2
    await socket.disconnect()


async def test_resume_can_be_limited_to_one_conversation(alice, bob, make_user):
    carol = await database_sync_to_async(make_user)("carol")
    with_bob = await database_sync_to_async(send)(alice, bob, "to bob")
    with_carol = await database_sync_to_async(send)(alice, carol, "to carol")
    socket, _ = await connected(alice)
    await socket.send_json_to(
        {"type": "resume", "after": 0, "conversation": with_carol.conversation_id}
    )
    frame = await socket.receive_json_from(timeout=2)
    assert [m["id"] for m in frame["messages"]] == [with_carol.pk]
    assert with_bob.pk not in [m["id"] for m in frame["messages"]]
    await socket.disconnect()


async def test_resume_refuses_bad_fields(alice):
    socket, _ = await connected(alice)
    await socket.send_json_to({"type": "resume", "after": -1})
    assert (await socket.receive_json_from())["code"] == "bad_frame"
    await socket.send_json_to({"type": "resume"})
    assert (await socket.receive_json_from())["code"] == "bad_frame"
    await socket.disconnect()
