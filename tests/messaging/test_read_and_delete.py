"""Read state, "seen" and deletion across tabs, never leaking to a third user."""

import pytest
from channels.db import database_sync_to_async

from messaging.models import Message, ReadState
from messaging.services import block_create
from tests.messaging.helpers import connected, send

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def read_up_to(user, conversation_id):
    return ReadState.objects.get(user=user, conversation_id=conversation_id).last_read_message_id


async def test_mark_read_updates_every_tab_of_the_reader_and_tells_the_sender(
    alice, bob, make_user
):
    carol = await database_sync_to_async(make_user)("carol")
    first = await database_sync_to_async(send)(alice, bob, "one")
    second = await database_sync_to_async(send)(alice, bob, "two")
    conversation = first.conversation_id
    alice_socket, _ = await connected(alice)
    bob_tab, state = await connected(bob)
    bob_other_tab, _ = await connected(bob)
    carol_socket, _ = await connected(carol)
    assert state["unread"] == 2

    await bob_tab.send_json_to(
        {"type": "mark_read", "conversation": conversation, "up_to": first.pk}
    )
    for tab in (bob_tab, bob_other_tab):
        assert await tab.receive_json_from(timeout=2) == {
            "type": "conversation.read",
            "conversation": conversation,
            "up_to": first.pk,
            "unread": 1,
        }
    assert await alice_socket.receive_json_from(timeout=2) == {
        "type": "conversation.seen",
        "conversation": conversation,
        "up_to": first.pk,
    }
    assert await read_up_to(bob, conversation) == first.pk

    await bob_other_tab.send_json_to(
        {"type": "mark_read", "conversation": conversation, "up_to": second.pk}
    )
    for tab in (bob_tab, bob_other_tab):
        assert (await tab.receive_json_from(timeout=2))["unread"] == 0
    assert (await alice_socket.receive_json_from(timeout=2))["up_to"] == second.pk
    assert await carol_socket.receive_nothing(timeout=0.5) is True
    for socket in (alice_socket, bob_tab, bob_other_tab, carol_socket):
        await socket.disconnect()


async def test_read_state_never_moves_back_and_repeats_say_nothing(alice, bob):
    first = await database_sync_to_async(send)(alice, bob, "one")
    second = await database_sync_to_async(send)(alice, bob, "two")
    conversation = first.conversation_id
    bob_socket, _ = await connected(bob)
    alice_socket, _ = await connected(alice)
    await bob_socket.send_json_to(
        {"type": "mark_read", "conversation": conversation, "up_to": second.pk}
    )
    assert (await bob_socket.receive_json_from(timeout=2))["up_to"] == second.pk
    assert (await alice_socket.receive_json_from(timeout=2))["up_to"] == second.pk
    await bob_socket.send_json_to(
        {"type": "mark_read", "conversation": conversation, "up_to": first.pk}
    )
    assert await bob_socket.receive_nothing(timeout=0.5) is True
    assert await alice_socket.receive_nothing() is True
    assert await read_up_to(bob, conversation) == second.pk
    await bob_socket.disconnect()
    await alice_socket.disconnect()


async def test_an_outsider_cannot_mark_or_focus_someone_elses_conversation(alice, bob, make_user):
    carol = await database_sync_to_async(make_user)("carol")
    message = await database_sync_to_async(send)(alice, bob, "private")
    alice_socket, _ = await connected(alice)
    bob_socket, _ = await connected(bob)
    carol_socket, _ = await connected(carol)
    for frame in (
        {"type": "mark_read", "conversation": message.conversation_id, "up_to": message.pk},
        {"type": "focus", "conversation": message.conversation_id},
        {"type": "delete", "message": message.pk},
        {"type": "resume", "after": 0, "conversation": message.conversation_id},
    ):
        await carol_socket.send_json_to(frame)
        answer = await carol_socket.receive_json_from(timeout=2)
        if frame["type"] == "resume":
            assert answer["messages"] == []
        else:
            assert answer["code"] == "not_found"
    assert await alice_socket.receive_nothing(timeout=0.5) is True
    assert await bob_socket.receive_nothing() is True
    assert await read_up_to(bob, message.conversation_id) == 0
    for socket in (alice_socket, bob_socket, carol_socket):
        await socket.disconnect()


async def test_deleting_leaves_a_tombstone_on_both_sides(alice, bob, make_user):
    carol = await database_sync_to_async(make_user)("carol")
    message = await database_sync_to_async(send)(alice, bob, "oops")
    alice_socket, _ = await connected(alice)
    bob_socket, _ = await connected(bob)
    carol_socket, _ = await connected(carol)

    await alice_socket.send_json_to({"type": "delete", "message": message.pk})
    expected = {
        "type": "message.deleted",
        "conversation": message.conversation_id,
        "message": message.pk,
    }
    assert await alice_socket.receive_json_from(timeout=2) == {**expected, "unread": 0}
    # The deleted message was bob's only unread one.
    assert await bob_socket.receive_json_from(timeout=2) == {**expected, "unread": 0}
    assert await carol_socket.receive_nothing(timeout=0.5) is True
    stored = await database_sync_to_async(Message.objects.get)(pk=message.pk)
    assert stored.deleted_at is not None
    assert stored.body == ""

    await bob_socket.send_json_to({"type": "resume", "after": 0})
    resumed = (await bob_socket.receive_json_from(timeout=2))["messages"]
    assert [(m["id"], m["body"], m["deleted"]) for m in resumed] == [(message.pk, "", True)]
    for socket in (alice_socket, bob_socket, carol_socket):
        await socket.disconnect()


async def test_only_the_sender_may_delete_a_message(alice, bob):
    message = await database_sync_to_async(send)(alice, bob, "mine")
    alice_socket, _ = await connected(alice)
    bob_socket, _ = await connected(bob)
    await bob_socket.send_json_to({"type": "delete", "message": message.pk, "ref": "d"})
    assert await bob_socket.receive_json_from(timeout=2) == {
        "type": "error",
        "code": "not_found",
        "detail": "No such message.",
        "ref": "d",
    }
    assert await alice_socket.receive_nothing(timeout=0.5) is True
    assert (await database_sync_to_async(Message.objects.get)(pk=message.pk)).body == "mine"
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_a_blocked_user_hears_nothing_more_of_the_conversation(alice, bob):
    message = await database_sync_to_async(send)(bob, alice, "hello alice")
    await database_sync_to_async(block_create)(blocker=alice, blocked=bob)
    alice_socket, state = await connected(alice)
    bob_socket, _ = await connected(bob)
    assert state["unread"] == 1

    await alice_socket.send_json_to(
        {"type": "mark_read", "conversation": message.conversation_id, "up_to": message.pk}
    )
    assert (await alice_socket.receive_json_from(timeout=2))["type"] == "conversation.read"
    await bob_socket.send_json_to({"type": "delete", "message": message.pk})
    assert (await bob_socket.receive_json_from(timeout=2))["type"] == "message.deleted"
    # No "seen" for bob, no deletion for alice.
    assert await bob_socket.receive_nothing(timeout=0.5) is True
    assert await alice_socket.receive_nothing() is True
    # To bob the conversation is now unavailable.
    await bob_socket.send_json_to({"type": "focus", "conversation": message.conversation_id})
    assert (await bob_socket.receive_json_from(timeout=2))["code"] == "not_found"
    await alice_socket.disconnect()
    await bob_socket.disconnect()
