"""A password change or a deactivation ends the user's other sessions and closes their sockets."""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD, communicator
from usersessions.models import UserSession

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "another-long-password-17"


def key_of(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def opened(path: str, client: Client):
    socket = communicator(path, key_of(client))
    accepted, _ = await socket.connect()
    assert accepted
    assert (await socket.receive_json_from())["type"] in ("notifications.state", "messages.state")
    return socket


async def closed_with(socket) -> int:
    output = await socket.receive_output(timeout=3)
    assert output["type"] == "websocket.close"
    return output["code"]


@database_sync_to_async
def change_password(client: Client) -> None:
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


@database_sync_to_async
def logged_in_at(client: Client) -> bool:
    return client.get("/notifications/").status_code == 200


async def test_a_password_change_closes_the_other_sessions_sockets_and_ends_them(alice, bob):
    other, changing, bystander = Client(), Client(), Client()
    await database_sync_to_async(other.force_login)(alice)
    await database_sync_to_async(changing.force_login)(alice)
    await database_sync_to_async(bystander.force_login)(bob)
    other_notifications = await opened("/ws/notifications/", other)
    other_messages = await opened("/ws/messages/", other)
    kept = await opened("/ws/notifications/", changing)
    bob_socket = await opened("/ws/notifications/", bystander)

    await change_password(changing)

    assert await closed_with(other_notifications) == 4401
    assert await closed_with(other_messages) == 4401
    # The changing session stays: its socket hears of the change and stays open.
    frame = await kept.receive_json_from(timeout=3)
    assert frame["notification"]["kind"] == "password_changed"
    assert await kept.receive_nothing() is True
    assert await bob_socket.receive_nothing() is True
    # The other session is ended (not merely invalid): gone from the session store.
    assert not await logged_in_at(other)
    assert await logged_in_at(changing)
    assert await logged_in_at(bystander)
    sessions = await database_sync_to_async(
        lambda: sorted(UserSession.objects.values_list("user_id", flat=True))
    )()
    assert sessions == sorted([alice.pk, bob.pk])
    # The kept session's socket follows its new key: logging out still closes it.
    await database_sync_to_async(changing.post)("/accounts/logout/")
    assert await closed_with(kept) == 4401
    for socket in (other_notifications, other_messages, kept, bob_socket):
        await socket.disconnect()


async def test_a_wrong_old_password_closes_nothing(alice):
    other, changing = Client(), Client()
    await database_sync_to_async(other.force_login)(alice)
    await database_sync_to_async(changing.force_login)(alice)
    socket = await opened("/ws/notifications/", other)
    response = await database_sync_to_async(changing.post)(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert await socket.receive_nothing() is True
    assert await logged_in_at(other)
    await socket.disconnect()


@pytest.mark.parametrize("change", ["deactivate", "set_password"])
async def test_a_deactivation_or_an_admin_password_change_ends_every_session(alice, bob, change):
    first, second, bystander = Client(), Client(), Client()
    await database_sync_to_async(first.force_login)(alice)
    await database_sync_to_async(second.force_login)(alice)
    await database_sync_to_async(bystander.force_login)(bob)
    sockets = [
        await opened("/ws/notifications/", first),
        await opened("/ws/messages/", second),
    ]
    bob_socket = await opened("/ws/notifications/", bystander)

    def apply():
        if change == "deactivate":
            alice.is_active = False
        else:
            alice.set_password(NEW_PASSWORD)
        alice.save()

    await database_sync_to_async(apply)()
    for socket in sockets:
        assert await closed_with(socket) == 4401
    assert await bob_socket.receive_nothing() is True
    assert not await logged_in_at(first)
    assert not await logged_in_at(second)
    assert await logged_in_at(bystander)
    for socket in [*sockets, bob_socket]:
        await socket.disconnect()


async def test_saving_a_profile_closes_nothing(alice):
    client = await database_sync_to_async(Client)()
    await database_sync_to_async(client.force_login)(alice)
    socket = await opened("/ws/notifications/", client)
    alice.display_name = "Alice B."
    await database_sync_to_async(alice.save)()
    assert await socket.receive_nothing() is True
    await socket.disconnect()


async def test_a_session_ended_while_its_socket_opens_closes_it(alice, monkeypatch):
    """The end is announced before the socket listens: the socket finds its session gone."""
    from accounts.services import user_sessions_end
    from realtime.guard import AccountSocket

    client = Client()
    await database_sync_to_async(client.force_login)(alice)
    claim_slot = AccountSocket.claim_slot

    async def claim_then_race(self):
        await database_sync_to_async(user_sessions_end)(user=alice)
        return await claim_slot(self)

    monkeypatch.setattr(AccountSocket, "claim_slot", claim_then_race)
    socket = communicator("/ws/notifications/", key_of(client))
    accepted, _ = await socket.connect()
    assert accepted
    assert await closed_with(socket) == 4401
    await socket.disconnect()
