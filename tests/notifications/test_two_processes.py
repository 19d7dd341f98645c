"""Two server processes share one Redis: a notification made in one reaches the other's socket."""

import asyncio
import json
import re
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_a_password_change_through_one_process_reaches_sockets_on_the_other(served, alice, bob):
    """The changing session's socket hears the notification; the other session's closes."""
    first, second = served(), served()
    other_cookie, bob_cookie = session_cookie(alice), session_cookie(bob)
    changing = logged_in_opener(first.url, alice)

    async def scenario():
        socket_url = f"ws://127.0.0.1:{second.port}/ws/notifications/"
        origin = f"http://127.0.0.1:{second.port}"

        def opened(cookie):
            return connect(socket_url, origin=origin, additional_headers={"Cookie": cookie})

        async with (
            opened(changing.cookie) as ws,
            opened(other_cookie) as other_ws,
            opened(bob_cookie) as bob_ws,
        ):
            for socket in (ws, other_ws, bob_ws):
                assert json.loads(await socket.recv())["type"] == "notifications.state"
            # Alice changes her password through the *first* process.
            await asyncio.to_thread(changing.change_password)
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert frame["type"] == "notification.new"
            assert frame["notification"]["kind"] == "password_changed"
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(other_ws.recv(), 5)
            assert other_ws.close_code == 4401
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(bob_ws.recv(), 0.5)
            # The kept session follows its new key: logging out of it still closes its socket.
            await asyncio.to_thread(changing.post, "/accounts/logout/", {})
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4401

    asyncio.run(scenario())


class logged_in_opener:
    """A urllib client logged in through a served process's log-in form."""

    def __init__(self, base_url: str, user):
        from http.cookiejar import CookieJar

        self.base_url = base_url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.post("/accounts/login/", {"username": user.username, "password": PASSWORD})

    @property
    def cookie(self) -> str:
        name = settings.SESSION_COOKIE_NAME
        return f"{name}={next(c.value for c in self.jar if c.name == name)}"

    def post(self, path, fields):
        page = self.opener.open(self.base_url + "/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        csrf = token.group(1) if token else next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(
            self.base_url + path, data, headers={"Referer": self.base_url}
        )
        return self.opener.open(request)

    def change_password(self):
        self.post(
            "/accounts/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "a-brand-new-password-99",
                "new_password2": "a-brand-new-password-99",
            },
        )


def test_close_codes_reach_clients_through_daphne(served, alice):
    server = served()
    cookie = session_cookie(alice)

    async def scenario():
        url = f"ws://127.0.0.1:{server.port}/ws/notifications/"
        async with connect(url, origin=f"http://127.0.0.1:{server.port}") as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4401
        async with connect(
            f"ws://127.0.0.1:{server.port}/ws/no-such-endpoint/",
            origin=f"http://127.0.0.1:{server.port}",
            additional_headers={"Cookie": cookie},
        ) as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4404

    asyncio.run(scenario())
