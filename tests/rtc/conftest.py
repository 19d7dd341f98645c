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
