"""/ws/rtc/<study_id>/: who may join, and signalling that reaches only its target."""

import json

import pytest
from channels.db import database_sync_to_async

from realtime.consumers import CloseCode
from rtc.consumers import RtcCloseCode
from rtc.models import CallParticipant
from tests.conftest import communicator, session_key_for
from tests.rtc.conftest import call_path, make_study, open_call, open_calls, skip_joins

pytestmark = pytest.mark.django_db(transaction=True)

OFFER_SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


@pytest.fixture
def study(alice, bob, carol):
    return make_study(alice, bob, carol)


async def assert_refused(path, user, code):
    key = await database_sync_to_async(session_key_for)(user) if user else None
    socket = communicator(path, key)
    accepted, _ = await socket.connect()
    assert accepted
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": code}
    assert await socket.receive_nothing() is True
    await socket.disconnect()


@database_sync_to_async
def participant_count() -> int:
    return CallParticipant.objects.count()


async def test_anonymous_is_refused_with_4401(study):
    await assert_refused(call_path(study), None, CloseCode.NOT_LOGGED_IN)
    assert await participant_count() == 0


async def test_outsider_is_refused_with_4403(study, dave):
    await assert_refused(call_path(study), dave, CloseCode.FORBIDDEN)
    assert await participant_count() == 0


async def test_missing_study_is_refused_with_4404(study, alice):
    await assert_refused(f"/ws/rtc/{study.pk + 1000}/", alice, CloseCode.NOT_FOUND)


async def test_join_reports_own_peer_existing_participants_and_ice_servers(study, alice, bob):
    alice_socket, alice_joined = await open_call(study, alice)
    assert alice_joined["participants"] == []
    assert alice_joined["ice_servers"] == []
    assert alice_joined["ice_transport_policy"] == "all"
    assert alice_joined["max_participants"] == 6

    bob_socket, bob_joined = await open_call(study, bob)
    assert bob_joined["peer_id"] != alice_joined["peer_id"]
    assert bob_joined["participants"] == [
        {
            "peer_id": alice_joined["peer_id"],
            "user_id": alice.pk,
            "name": "Alice",
            "media": {"mic": True, "camera": True, "screen": False},
        }
    ]
    announced = await alice_socket.receive_json_from(timeout=3)
    assert announced == {"type": "peer.joined", "peer": bob_joined["you"]}
    assert bob_joined["you"]["user_id"] == bob.pk
    assert await bob_socket.receive_nothing() is True
    # Nothing in any frame names a channel.
    assert "specific." not in json.dumps([alice_joined, bob_joined, announced])
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_offer_answer_and_ice_reach_only_their_target_stamped_with_the_sender(
    study, alice, bob, carol
):
    (alice_socket, alice_joined), (bob_socket, bob_joined), (carol_socket, _) = await open_calls(
        study, alice, bob, carol
    )

    await bob_socket.send_json_to(
        {"type": "offer", "to": alice_joined["peer_id"], "sdp": OFFER_SDP, "from": "forged"}
    )
    assert await alice_socket.receive_json_from(timeout=3) == {
        "type": "offer",
        "from": bob_joined["peer_id"],
        "sdp": OFFER_SDP,
    }
    await alice_socket.send_json_to(
        {"type": "answer", "to": bob_joined["peer_id"], "sdp": OFFER_SDP}
    )
    assert await bob_socket.receive_json_from(timeout=3) == {
        "type": "answer",
        "from": alice_joined["peer_id"],
        "sdp": OFFER_SDP,
    }
    candidate = {
        "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "usernameFragment": "abcd",
        "extra": "dropped",
    }
    await alice_socket.send_json_to(
        {"type": "ice", "to": bob_joined["peer_id"], "candidate": candidate}
    )
    frame = await bob_socket.receive_json_from(timeout=3)
    candidate.pop("extra")
    assert frame == {"type": "ice", "from": alice_joined["peer_id"], "candidate": candidate}

    assert await carol_socket.receive_nothing(timeout=0.5) is True
    assert await alice_socket.receive_nothing() is True
    assert await bob_socket.receive_nothing() is True
    for socket in (alice_socket, bob_socket, carol_socket):
        await socket.disconnect()


async def test_made_up_peer_or_another_studys_peer_gets_an_error_and_reaches_nobody(
    study, alice, bob, carol, dave
):
    other_study = await database_sync_to_async(make_study)(dave, carol)
    alice_socket, _ = await open_call(study, alice)
    bob_socket, _ = await open_call(study, bob)
    await skip_joins(alice_socket, 1)
    (dave_socket, dave_joined), (carol_socket, _) = await open_calls(other_study, dave, carol)

    for target in ("made-up-peer-id", dave_joined["peer_id"]):
        await alice_socket.send_json_to(
            {"type": "offer", "to": target, "sdp": OFFER_SDP, "ref": "r1"}
        )
        assert await alice_socket.receive_json_from(timeout=3) == {
            "type": "error",
            "code": "unknown_peer",
            "detail": "No such peer in this call.",
            "ref": "r1",
        }
    sockets = (bob_socket, dave_socket, carol_socket, alice_socket)
    for socket in sockets:
        assert await socket.receive_nothing(timeout=0.3) is True
    for socket in sockets:
        await socket.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "offer", "sdp": OFFER_SDP}, "bad_frame"),
        ({"type": "offer", "to": 5, "sdp": OFFER_SDP}, "bad_frame"),
        ({"type": "offer", "to": "PEER", "sdp": ""}, "bad_frame"),
        ({"type": "offer", "to": "PEER", "sdp": ["v=0"]}, "bad_frame"),
        ({"type": "answer", "to": "PEER", "sdp": "v" * (60 * 1024 + 1)}, "sdp_too_large"),
        ({"type": "ice", "to": "PEER", "candidate": "candidate:1"}, "bad_frame"),
        (
            {"type": "ice", "to": "PEER", "candidate": {"candidate": "c" * 1025}},
            "candidate_too_large",
        ),
        (
            {"type": "ice", "to": "PEER", "candidate": {"candidate": "c", "sdpMLineIndex": -1}},
            "bad_frame",
        ),
        (
            {"type": "ice", "to": "PEER", "candidate": {"candidate": "c", "sdpMid": "m" * 65}},
            "candidate_too_large",
        ),
        ({"type": "media", "mic": "yes", "camera": True, "screen": False}, "bad_frame"),
        ({"type": "offer", "to": "SELF", "sdp": OFFER_SDP}, "unknown_peer"),
        ({"type": "dance"}, "unknown_type"),
    ],
)
async def test_malformed_frames_get_error_frames_and_reach_nobody(study, alice, bob, frame, code):
    alice_socket, alice_joined = await open_call(study, alice)
    bob_socket, bob_joined = await open_call(study, bob)
    await skip_joins(alice_socket, 1)
    frame = json.loads(
        json.dumps(frame)
        .replace('"PEER"', json.dumps(bob_joined["peer_id"]))
        .replace('"SELF"', json.dumps(alice_joined["peer_id"]))
    )
    await alice_socket.send_json_to(frame)
    error = await alice_socket.receive_json_from(timeout=3)
    assert (error["type"], error["code"]) == ("error", code)
    assert await bob_socket.receive_nothing(timeout=0.3) is True
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_a_frame_over_64_kib_is_refused_with_an_error_frame(study, alice):
    socket, _ = await open_call(study, alice)
    await socket.send_to(text_data=json.dumps({"type": "offer", "sdp": "v" * 70000}))
    error = await socket.receive_json_from(timeout=3)
    assert error["code"] == "frame_too_large"
    await socket.disconnect()


async def test_media_state_is_broadcast_and_kept_for_later_joiners(study, alice, bob, carol):
    alice_socket, alice_joined = await open_call(study, alice)
    bob_socket, _ = await open_call(study, bob)
    await skip_joins(alice_socket, 1)

    await alice_socket.send_json_to({"type": "media", "mic": False, "camera": True, "screen": True})
    expected = {
        "type": "peer.media",
        "peer_id": alice_joined["peer_id"],
        "media": {"mic": False, "camera": True, "screen": True},
    }
    assert await bob_socket.receive_json_from(timeout=3) == expected
    assert await alice_socket.receive_json_from(timeout=3) == expected

    carol_socket, carol_joined = await open_call(study, carol)
    alice_seen = next(p for p in carol_joined["participants"] if p["user_id"] == alice.pk)
    assert alice_seen["media"] == expected["media"]
    for socket in (alice_socket, bob_socket, carol_socket):
        await socket.disconnect()


async def test_call_is_capped_and_the_refused_socket_joins_nothing(
    settings, study, alice, bob, carol
):
    settings.RTC_MAX_PARTICIPANTS = 2
    alice_socket, _ = await open_call(study, alice)
    bob_socket, _ = await open_call(study, bob)
    await skip_joins(alice_socket, 1)

    await assert_refused(call_path(study), carol, RtcCloseCode.CALL_FULL)
    assert await participant_count() == 2
    assert await alice_socket.receive_nothing(timeout=0.3) is True
    assert await bob_socket.receive_nothing() is True

    await bob_socket.disconnect()
    assert (await alice_socket.receive_json_from(timeout=3))["type"] == "peer.left"
    carol_socket, carol_joined = await open_call(study, carol)
    assert [p["user_id"] for p in carol_joined["participants"]] == [alice.pk]
    await alice_socket.disconnect()
    await carol_socket.disconnect()


async def test_join_carries_turn_credentials_of_the_user_and_never_the_secret(
    settings, study, alice
):
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.TURN_SECRET = "the-shared-secret"
    settings.RTC_ICE_TRANSPORT_POLICY = "relay"
    socket, joined = await open_call(study, alice)
    (turn,) = joined["ice_servers"]
    assert turn["urls"] == settings.TURN_URLS
    assert turn["username"].endswith(f":{alice.pk}")
    assert joined["ice_transport_policy"] == "relay"
    assert "the-shared-secret" not in json.dumps(joined)
    await socket.disconnect()
