"""One seat per user in a call: a newer socket of the same user replaces the older one."""

import pytest
from channels.db import database_sync_to_async

from rtc.consumers import RtcCloseCode
from rtc.models import Attendance, CallParticipant
from tests.rtc.conftest import make_study, open_call, skip_joins

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def study(alice, bob):
    return make_study(alice, bob)


async def close_code(socket) -> int:
    """Return the code the socket is closed with, past any frame sent before the close."""
    while True:
        output = await socket.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            return output["code"]


@database_sync_to_async
def seats() -> list[tuple[str, str]]:
    return sorted(CallParticipant.objects.values_list("user__username", "peer_id"))


async def test_a_second_socket_of_a_user_takes_the_seat_and_the_first_is_closed(study, alice, bob):
    first, first_joined = await open_call(study, alice)
    bob_socket, bob_joined = await open_call(study, bob)
    await skip_joins(first, 1)

    second, second_joined = await open_call(study, alice)

    assert await first.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": RtcCloseCode.REPLACED,
    }
    assert RtcCloseCode.REPLACED == 4409
    # The peers are told the old seat left and the new one joined.
    assert await bob_socket.receive_json_from(timeout=3) == {
        "type": "peer.left",
        "peer_id": first_joined["peer_id"],
    }
    joined = await bob_socket.receive_json_from(timeout=3)
    assert joined == {"type": "peer.joined", "peer": second_joined["you"]}
    assert [p["peer_id"] for p in second_joined["participants"]] == [bob_joined["peer_id"]]
    assert await seats() == sorted(
        [("alice", second_joined["peer_id"]), ("bob", bob_joined["peer_id"])]
    )
    # The replaced stay ended; the new one is open.
    stays = await database_sync_to_async(
        lambda: list(
            Attendance.objects.filter(user=alice)
            .order_by("joined_at")
            .values_list("left_at", flat=True)
        )
    )()
    assert stays[0] is not None and stays[1] is None
    # The closed socket leaving does not take the new seat with it.
    await first.disconnect()
    assert await bob_socket.receive_nothing() is True
    assert len(await seats()) == 2
    for socket in (second, bob_socket):
        await socket.disconnect()


async def test_one_account_cannot_fill_the_call(settings, study, alice, bob):
    settings.RTC_MAX_PARTICIPANTS = 2
    sockets = []
    for _ in range(4):
        socket, _joined = await open_call(study, alice)
        sockets.append(socket)
    for old in sockets[:-1]:
        assert await close_code(old) == RtcCloseCode.REPLACED
    assert [user for user, _peer in await seats()] == ["alice"]
    # The owner's colleague still gets in.
    bob_socket, bob_joined = await open_call(study, bob)
    assert [p["user_id"] for p in bob_joined["participants"]] == [alice.pk]
    for socket in [*sockets, bob_socket]:
        await socket.disconnect()


async def test_different_users_each_keep_their_seat(study, alice, bob):
    alice_socket, _ = await open_call(study, alice)
    bob_socket, _ = await open_call(study, bob)
    await skip_joins(alice_socket, 1)
    assert await alice_socket.receive_nothing() is True
    assert await bob_socket.receive_nothing() is True
    assert [user for user, _peer in await seats()] == ["alice", "bob"]
    for socket in (alice_socket, bob_socket):
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_seat(study, alice):
    from django.db import IntegrityError

    from rtc.services import call_join

    call_join(study_id=study.pk, user=alice, channel_name="specific.a!1")
    seat = CallParticipant.objects.get()
    seat.pk = None
    seat.peer_id = "another-peer-id"
    seat.attendance = Attendance.objects.create(
        session=seat.attendance.session, user=alice, joined_at=seat.joined_at
    )
    with pytest.raises(IntegrityError):
        seat.save()
