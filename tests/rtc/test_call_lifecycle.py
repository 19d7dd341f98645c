"""Leaving, dropping, removal and logout end a participant's call; attendance is recorded."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from realtime.consumers import CloseCode
from rtc.consumers import RtcCloseCode
from rtc.models import Attendance, CallParticipant, CallSession
from rtc.services import call_join
from studies.services import member_leave, member_remove
from tests.conftest import communicator, session_key_for
from tests.rtc.conftest import call_path, make_study, open_call, open_calls, skip_joins

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def study(alice, bob, carol):
    return make_study(alice, bob, carol)


@database_sync_to_async
def sessions() -> list[tuple]:
    return [
        (session.ended_at is None, sorted(a.user.username for a in session.attendances.all()))
        for session in CallSession.objects.order_by("started_at")
    ]


@database_sync_to_async
def open_stays() -> list[str]:
    return sorted(
        Attendance.objects.filter(left_at__isnull=True).values_list("user__username", flat=True)
    )


async def test_disconnect_tells_the_others_and_the_last_leaving_ends_the_session(study, alice, bob):
    alice_socket, _ = await open_call(study, alice)
    bob_socket, bob_joined = await open_call(study, bob)
    await skip_joins(alice_socket, 1)
    assert await sessions() == [(True, ["alice", "bob"])]

    await bob_socket.disconnect()
    assert await alice_socket.receive_json_from(timeout=3) == {
        "type": "peer.left",
        "peer_id": bob_joined["peer_id"],
    }
    assert await open_stays() == ["alice"]
    assert await sessions() == [(True, ["alice", "bob"])]

    await alice_socket.disconnect()
    assert await open_stays() == []
    assert await sessions() == [(False, ["alice", "bob"])]
    assert await database_sync_to_async(CallParticipant.objects.count)() == 0

    again, _ = await open_call(study, alice)
    assert [is_open for is_open, _users in await sessions()] == [False, True]
    await again.disconnect()


async def test_removal_from_the_study_ends_the_call_for_that_member(study, alice, bob, carol):
    (alice_socket, _), (bob_socket, bob_joined), (carol_socket, _) = await open_calls(
        study, alice, bob, carol
    )

    await database_sync_to_async(member_remove)(study=study, user=bob, by=alice)

    assert await bob_socket.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": CloseCode.FORBIDDEN,
    }
    for socket in (alice_socket, carol_socket):
        assert await socket.receive_json_from(timeout=3) == {
            "type": "peer.left",
            "peer_id": bob_joined["peer_id"],
        }
        assert await socket.receive_nothing(timeout=0.3) is True
    assert await open_stays() == ["alice", "carol"]
    # A removed member can no longer join.
    refused = communicator(call_path(study), await database_sync_to_async(session_key_for)(bob))
    assert (await refused.connect())[0]
    assert (await refused.receive_output(timeout=3))["code"] == CloseCode.FORBIDDEN
    await refused.disconnect()
    for socket in (alice_socket, bob_socket, carol_socket):
        await socket.disconnect()


async def test_leaving_the_study_ends_the_call_for_that_member(study, alice, carol):
    alice_socket, _ = await open_call(study, alice)
    carol_socket, carol_joined = await open_call(study, carol)
    await skip_joins(alice_socket, 1)

    await database_sync_to_async(member_leave)(study=study, user=carol)

    assert (await carol_socket.receive_output(timeout=3))["code"] == CloseCode.FORBIDDEN
    assert await alice_socket.receive_json_from(timeout=3) == {
        "type": "peer.left",
        "peer_id": carol_joined["peer_id"],
    }
    await alice_socket.disconnect()
    await carol_socket.disconnect()


async def test_logout_ends_the_call_of_that_session(study, alice, bob):
    client = Client()
    await sync_to_async(client.force_login)(bob)
    bob_socket = communicator(call_path(study), client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert (await bob_socket.connect())[0]
    bob_joined = await bob_socket.receive_json_from(timeout=3)
    alice_socket, _ = await open_call(study, alice)
    assert (await bob_socket.receive_json_from(timeout=3))["type"] == "peer.joined"

    await sync_to_async(client.post)("/accounts/logout/")

    assert (await bob_socket.receive_output(timeout=3))["code"] == CloseCode.NOT_LOGGED_IN
    assert await alice_socket.receive_json_from(timeout=3) == {
        "type": "peer.left",
        "peer_id": bob_joined["peer_id"],
    }
    assert await open_stays() == ["alice"]
    await alice_socket.disconnect()
    await bob_socket.disconnect()


@database_sync_to_async
def crash_leaving_a_ghost(study, user) -> str:
    """Join as a process that then dies: its row is never refreshed again."""
    joined = call_join(study_id=study.pk, user=user, channel_name="specific.dead!gone")
    stale = timezone.now() - timedelta(seconds=settings.RTC_PARTICIPANT_TTL + 5)
    CallParticipant.objects.filter(peer_id=joined.peer_id).update(seen_at=stale, joined_at=stale)
    Attendance.objects.filter(participant__peer_id=joined.peer_id).update(joined_at=stale)
    return joined.peer_id


async def test_a_crashed_process_leaves_no_ghost(study, alice, bob, carol):
    alice_socket, _ = await open_call(study, alice)
    ghost = await crash_leaving_a_ghost(study, bob)
    await skip_joins(alice_socket, 1)

    carol_socket, carol_joined = await open_call(study, carol)
    assert [p["user_id"] for p in carol_joined["participants"]] == [alice.pk]
    frames = [await alice_socket.receive_json_from(timeout=3) for _ in range(2)]
    assert {"type": "peer.left", "peer_id": ghost} in frames
    assert await open_stays() == ["alice", "carol"]

    await carol_socket.send_json_to({"type": "offer", "to": ghost, "sdp": "v=0"})
    assert (await carol_socket.receive_json_from(timeout=3))["code"] == "unknown_peer"
    await alice_socket.disconnect()
    await carol_socket.disconnect()


@database_sync_to_async
def seen_at(peer_id):
    return CallParticipant.objects.get(peer_id=peer_id).seen_at


async def test_an_open_socket_keeps_its_seat_fresh(settings, study, alice):
    settings.RTC_HEARTBEAT_SECONDS = 0.2
    socket, joined = await open_call(study, alice)
    first = await seen_at(joined["peer_id"])
    # Wait for the heartbeat's write itself, watching the row (a dead heartbeat times out).
    async with asyncio.timeout(5):
        while await seen_at(joined["peer_id"]) == first:
            await asyncio.sleep(0.05)
    assert await seen_at(joined["peer_id"]) > first
    await socket.disconnect()


async def test_a_socket_swept_as_a_ghost_is_told_to_rejoin(settings, study, alice, bob):
    alice_socket, _ = await open_call(study, alice)
    bob_socket, bob_joined = await open_call(study, bob)
    await skip_joins(alice_socket, 1)
    stale = timezone.now() - timedelta(seconds=settings.RTC_PARTICIPANT_TTL + 5)
    await database_sync_to_async(
        CallParticipant.objects.filter(peer_id=bob_joined["peer_id"]).update
    )(seen_at=stale)

    await database_sync_to_async(call_command)("rtc_sweep")

    assert await bob_socket.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": RtcCloseCode.REJOIN,
    }
    assert await alice_socket.receive_json_from(timeout=3) == {
        "type": "peer.left",
        "peer_id": bob_joined["peer_id"],
    }
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_sweeping_ends_a_call_whose_participants_all_crashed(study, bob):
    await crash_leaving_a_ghost(study, bob)
    await database_sync_to_async(call_command)("rtc_sweep")
    assert await sessions() == [(False, ["bob"])]
    assert await open_stays() == []


async def test_a_failing_handler_answers_internal_and_keeps_the_seat(
    monkeypatch, study, alice, bob
):
    alice_socket, _ = await open_call(study, alice)
    bob_socket, _ = await open_call(study, bob)
    await skip_joins(alice_socket, 1)

    async def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("rtc.consumers._peer_channel", broken)
    await bob_socket.send_json_to({"type": "offer", "to": "someone", "sdp": "v=0", "ref": "o1"})
    error = await bob_socket.receive_json_from(timeout=3)
    assert (error["type"], error["code"], error["ref"]) == ("error", "internal", "o1")

    await bob_socket.send_json_to({"type": "media", "mic": False, "camera": True, "screen": False})
    assert (await alice_socket.receive_json_from(timeout=3))["type"] == "peer.media"
    assert await open_stays() == ["alice", "bob"]
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_a_crashing_socket_leaves_no_seat_behind(monkeypatch, study, alice, bob):
    alice_socket, alice_joined = await open_call(study, alice)
    bob_socket, bob_joined = await open_call(study, bob)
    await skip_joins(alice_socket, 1)

    async def broken(self, event):
        raise RuntimeError("a bug in an event handler")

    monkeypatch.setattr("rtc.consumers.CallConsumer.rtc_signal", broken)
    await alice_socket.send_json_to({"type": "offer", "to": bob_joined["peer_id"], "sdp": "v=0"})
    with pytest.raises(RuntimeError):
        await bob_socket.receive_output(timeout=3)

    left = await alice_socket.receive_json_from(timeout=3)
    while left["type"] == "offer":
        left = await alice_socket.receive_json_from(timeout=3)
    assert left == {"type": "peer.left", "peer_id": bob_joined["peer_id"]}
    assert await open_stays() == ["alice"]
    await alice_socket.disconnect()
