from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from studies.services import join_request_accept, join_request_create, study_create
from tests.conftest import communicator, session_key_for


def make_study(owner, *members, capacity: int = 10):
    today = timezone.localdate()
    study = study_create(
        owner=owner,
        title="Algorithms",
        description="Weekly problems",
        start_date=today + timedelta(days=7),
        end_date=today + timedelta(days=60),
        recruitment_deadline=today + timedelta(days=5),
        capacity=capacity,
    )
    for member in members:
        join_request_accept(join_request=join_request_create(study=study, user=member), by=owner)
    return study


@pytest.fixture
def carol(make_user):
    return make_user("carol", display_name="Carol")


@pytest.fixture
def dave(make_user):
    return make_user("dave", display_name="Dave")


def call_path(study) -> str:
    return f"/ws/rtc/{study.pk}/"


async def open_call(study, user):
    """Return a socket of `user` in the study's call and its call.joined frame."""
    key = await database_sync_to_async(session_key_for)(user)
    socket = communicator(call_path(study), key)
    accepted, _ = await socket.connect()
    assert accepted
    joined = await socket.receive_json_from(timeout=3)
    assert joined["type"] == "call.joined", joined
    return socket, joined


async def skip_joins(socket, count: int) -> None:
    for _ in range(count):
        frame = await socket.receive_json_from(timeout=3)
        assert frame["type"] == "peer.joined", frame


async def open_calls(study, *users):
    """Open a call socket per user, in order, each settled: every earlier socket has seen the
    newcomer's peer.joined, and no announcement is left pending on any socket.

    With the pub/sub layer, sockets of one process share a subscription, so a socket that joins
    right after a peer may also get that peer's peer.joined (it is listed in call.joined too;
    clients de-duplicate). Those duplicates are drained here so tests see only what follows.
    """
    opened = []
    for user in users:
        socket, joined = await open_call(study, user)
        for earlier, _ in opened:
            await skip_joins(earlier, 1)
        opened.append((socket, joined))
    known = {joined["peer_id"] for _, joined in opened}
    for socket, _ in opened:
        while not await socket.receive_nothing(timeout=0.1):
            frame = await socket.receive_json_from()
            assert frame["type"] == "peer.joined" and frame["peer"]["peer_id"] in known, frame
    return opened
