"""Study-scoped sockets through the real ASGI stack: who is served, and who is cut off."""

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.urls import path

from studies import services
from studies.sockets import StudyScopedConsumer
from tests.conftest import session_key_for
from tests.studies.conftest import join, make_study

pytestmark = pytest.mark.django_db(transaction=True)


class EchoStudyConsumer(StudyScopedConsumer):
    """The smallest study-scoped socket: it only says hello once accepted."""

    async def opened(self):
        await self.send_json({"type": "hello", "study": self.study_id})


application = AuthMiddlewareStack(
    URLRouter([path("ws/test-study/<int:study_id>/", EchoStudyConsumer.as_asgi())])
)


async def open_socket(study_id: int, user=None):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        key = await database_sync_to_async(session_key_for)(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
    socket = WebsocketCommunicator(application, f"/ws/test-study/{study_id}/", headers=headers)
    accepted, _ = await socket.connect()
    assert accepted
    return socket


async def served(study_id: int, user):
    socket = await open_socket(study_id, user)
    assert await socket.receive_json_from() == {"type": "hello", "study": study_id}
    return socket


async def assert_closed_with(socket, code: int):
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": code}
    assert await socket.receive_nothing() is True
    await socket.disconnect()


@pytest.fixture
def group(make_user):
    owner = make_user("owner")
    members = [make_user("member1"), make_user("member2")]
    study = make_study(owner)
    for member in members:
        join(study, member)
    return {"study": study, "owner": owner, "members": members, "outsider": make_user("out")}


async def test_anonymous_is_refused_with_4401(group):
    await assert_closed_with(await open_socket(group["study"].pk), 4401)


async def test_an_outsider_is_refused_with_4403(group):
    await assert_closed_with(await open_socket(group["study"].pk, group["outsider"]), 4403)


async def test_an_unknown_study_is_refused_with_4404(group):
    await assert_closed_with(await open_socket(999999, group["owner"]), 4404)


async def test_members_and_the_owner_are_served(group):
    for user in [group["owner"], *group["members"]]:
        socket = await served(group["study"].pk, user)
        assert await socket.receive_nothing() is True
        await socket.disconnect()


async def test_removal_closes_the_removed_members_socket_only(group):
    study = group["study"]
    removed, staying = group["members"]
    removed_socket = await served(study.pk, removed)
    staying_socket = await served(study.pk, staying)
    other_study = await database_sync_to_async(make_study)(removed, title="Removed's own")
    own_socket = await served(other_study.pk, removed)

    await database_sync_to_async(services.member_remove)(
        study=study, user=removed, by=group["owner"]
    )

    await assert_closed_with(removed_socket, 4403)
    assert await staying_socket.receive_nothing() is True
    assert await own_socket.receive_nothing() is True
    await staying_socket.disconnect()
    await own_socket.disconnect()
    # And the way back in is closed too.
    await assert_closed_with(await open_socket(study.pk, removed), 4403)


async def test_leaving_closes_the_leavers_socket(group):
    study = group["study"]
    leaver = group["members"][0]
    socket = await served(study.pk, leaver)
    await database_sync_to_async(services.member_leave)(study=study, user=leaver)
    await assert_closed_with(socket, 4403)


async def test_deletion_closes_every_socket_with_4404(group):
    study = group["study"]
    sockets = [await served(study.pk, user) for user in [group["owner"], *group["members"]]]
    await database_sync_to_async(services.study_delete)(study=study, by=group["owner"])
    for socket in sockets:
        await assert_closed_with(socket, 4404)
