"""A newcomer's first run: `make run` on the embedded default, used by two demo users and a
new one, in a browser and over WebSockets: sign-up, explore and search, join and accept, chat
with resume, a direct message, live notifications, a board post with an attachment.

Every test shares the one server the package fixture starts (it takes a while: migrate,
collectstatic, seed_demo); each works on its own objects, so their order does not matter.
"""

import asyncio
import json
import re
import sqlite3
import urllib.error
from html import unescape

import pytest
from websockets.asyncio.client import connect

from tests.embedded.conftest import Visitor

# One xdist worker runs them all, against one server.
pytestmark = [pytest.mark.embedded, pytest.mark.xdist_group("embedded")]

ATTACHMENT = "한글 노트: dynamic programming, bottom-up.\n".encode() * 2000


def open_page(browser, errors: list[str]):
    page = browser.new_context().new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def log_in(page, server, username: str) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", server.password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def toast_saying(text: str) -> str:
    return f"[data-toasts] a:has-text({text!r})"


def card_titles(page) -> list[str]:
    return sorted(
        title.strip()
        for title in page.eval_on_selector_all(
            "[data-study-card]", "cards => cards.map(card => card.querySelector('a').textContent)"
        )
    )


def test_make_run_keeps_its_state_in_var_dir_on_sqlite(embedded):
    """What the server runs on: SQLite, its secret and static files, all in VAR_DIR."""
    with sqlite3.connect(embedded.var_dir / "cohort.sqlite3") as database:
        (users,) = database.execute("SELECT count(*) FROM accounts_user").fetchone()
    assert users >= 4
    assert (embedded.var_dir / "secret_key").stat().st_size > 0
    assert (embedded.var_dir / "staticfiles" / "staticfiles.json").exists()
    assert "Demo data ready" in embedded.output()


def test_sign_up_search_ask_to_join_and_be_accepted_live(embedded, browser):
    errors: list[str] = []
    bob = open_page(browser, errors)
    log_in(bob, embedded, "bob")
    bob.wait_for_function("() => document.body.dataset.notificationSocket === 'open'")

    erin = open_page(browser, errors)
    erin.goto(f"{embedded.url}/accounts/signup/")
    erin.fill("input[name=username]", "erin")
    erin.fill("input[name=email]", "erin@example.com")
    erin.fill("input[name=password1]", "a-long-newcomer-password-7")
    erin.fill("input[name=password2]", "a-long-newcomer-password-7")
    erin.click("main form button[type=submit]")
    erin.wait_for_url(f"{embedded.url}/")

    # On SQLite the search is a case-insensitive substring match over title, tags and
    # description: "interv" finds the "interview" studies by title and by tag.
    erin.click("nav >> text=Explore")
    erin.fill("input[name=q]", "interv")
    erin.click("form[role=search] button[type=submit]")
    erin.wait_for_url(re.compile(r".*\?.*q=interv"))
    assert card_titles(erin) == ["Algorithm interview prep", "Algorithms weekly"]
    erin.fill("input[name=q]", "no study says this")
    erin.click("form[role=search] button[type=submit]")
    erin.wait_for_url(re.compile(r".*q=no"))
    assert card_titles(erin) == []
    erin.fill("input[name=q]", "baekj")  # in one description only
    erin.click("form[role=search] button[type=submit]")
    erin.wait_for_url(re.compile(r".*q=baekj"))
    assert card_titles(erin) == ["Algorithms weekly"]
    erin.fill("input[name=q]", "KOREAN")
    erin.click("form[role=search] button[type=submit]")
    erin.wait_for_url(re.compile(r".*q=KOREAN"))
    assert card_titles(erin) == ["Korean for developers"]

    erin.fill("input[name=q]", "weekly")
    erin.click("form[role=search] button[type=submit]")
    erin.click("[data-study-card] >> text=Algorithms weekly")
    erin.wait_for_url(re.compile(r".*/studies/\d+/$"))
    study_url = erin.url
    erin.fill("textarea[name=message]", "New here, happy to join.")
    erin.click("#join button[type=submit]")
    erin.wait_for_selector("[data-my-request]")

    # Bob, the owner, is told live on the page he has open.
    bob.wait_for_selector(toast_saying("asked to join Algorithms weekly"))
    erin.goto(study_url)
    erin.wait_for_function("() => document.body.dataset.notificationSocket === 'open'")
    bob.goto(study_url)
    request = bob.locator("[data-request]", has_text="New here, happy to join.")
    request.locator("button >> text=Accept").click()
    erin.wait_for_selector(toast_saying("You joined Algorithms weekly"))
    erin.reload()
    assert erin.locator("text=Leave this study").count() == 1
    assert errors == []


def test_board_post_with_an_attachment_that_another_member_downloads(embedded, browser, tmp_path):
    errors: list[str] = []
    alice = open_page(browser, errors)
    log_in(alice, embedded, "alice")
    alice.click("nav >> text=My studies")
    alice.click("text=Algorithm interview prep")
    alice.wait_for_url(re.compile(r".*/studies/\d+/$"))
    alice.goto(alice.url + "board/")
    alice.click("text=Week 1: dynamic programming")
    alice.click("text=Write a post")
    alice.fill("input[name=title]", "Edit distance notes")
    alice.fill("textarea[name=body]", "The **table** is filled bottom-up.")
    notes = tmp_path / "edit-distance.txt"
    notes.write_bytes(ATTACHMENT)
    alice.set_input_files("input[name=files]", str(notes))
    alice.click("form[data-upload-form] button[type=submit]")
    alice.wait_for_url(re.compile(r".*/board/posts/\d+/$"))
    assert alice.inner_text("[data-post-body] strong") == "table"
    assert alice.inner_text("[data-attachment-id] a") == "edit-distance.txt"
    alice.wait_for_function("() => document.body.dataset.notificationSocket === 'open'")
    href = alice.get_attribute("[data-attachment-id] a", "href")
    stored = [path for path in (embedded.var_dir / "media").rglob("*") if path.is_file()]
    assert ATTACHMENT in [path.read_bytes() for path in stored]

    # Bob, a member, downloads it; a newcomer who is not a member may not.
    bob = open_page(browser, errors)
    log_in(bob, embedded, "bob")
    download = bob.request.get(embedded.url + href)
    assert download.status == 200
    assert download.body() == ATTACHMENT
    stranger = Visitor(embedded)
    with stranger.post_form(
        "/accounts/signup/",
        {
            "username": "frank",
            "email": "frank@example.com",
            "password1": "a-long-stranger-password-8",
            "password2": "a-long-stranger-password-8",
        },
    ):
        pass
    with pytest.raises(urllib.error.HTTPError) as refused:
        stranger.get(href)
    assert refused.value.code == 403

    # Bob comments; Alice, the author, is told live.
    bob.goto(alice.url)
    bob.fill("textarea[name=body]", "Nice, *thanks*.")
    bob.click("form:has(textarea[name=body]) button[type=submit]")
    bob.wait_for_selector("[data-comment-id] em:has-text('thanks')")
    alice.wait_for_selector(toast_saying("commented on Edit distance notes"))
    assert errors == []


def test_the_board_search_falls_back_to_a_substring_match_on_sqlite(embedded):
    alice = Visitor(embedded).log_in("alice")
    # "ottom-up tab" is inside "bottom-up table" in the body of "Coin change notes" only.
    found = alice.json(demo_study_path(alice) + "board/search/?q=ottom-up%20tab")
    assert [result["title"] for result in found["results"]] == ["Coin change notes"]
    assert alice.json(demo_study_path(alice) + "board/search/?q=ottom-x")["results"] == []
    found = alice.json(demo_study_path(alice) + "board/search/?q=HANGE%20NO")  # in a title
    assert [result["title"] for result in found["results"]] == ["Coin change notes"]


async def receive(socket, wanted: str, timeout: float = 10) -> dict:
    """Return the next frame of type `wanted`, skipping others."""
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if frame["type"] == wanted:
            return frame


def socket(server, path: str, visitor: Visitor):
    return connect(
        server.ws_url + path,
        origin=server.url,
        additional_headers={"Cookie": visitor.cookie_header()},
    )


def test_chat_exchange_and_resume_after_a_dropped_connection(embedded):
    alice = Visitor(embedded).log_in("alice")
    bob = Visitor(embedded).log_in("bob")
    study = re.search(r"/studies/(\d+)/", demo_study_path(bob)).group(1)
    room = re.search(r'href="/chat/rooms/(\d+)/"', bob.text(f"/chat/studies/{study}/")).group(1)
    path = f"/ws/chat/{room}/"

    async def scenario():
        async with socket(embedded, path, alice) as alices, socket(embedded, path, bob) as bobs:
            state = await receive(bobs, "chat.state")
            seen = max(message["seq"] for message in state["messages"])
            await alices.send(json.dumps({"type": "send", "body": "hi bob", "client_id": "a1"}))
            ack = await receive(alices, "chat.ack")
            live = await receive(bobs, "chat.message")
            assert live["message"] == ack["message"]
            assert live["message"]["seq"] == seen + 1
            seen = live["message"]["seq"]

        # Bob is away while Alice writes twice more.
        async with socket(embedded, path, alice) as alices:
            await receive(alices, "chat.state")
            for number in (2, 3):
                frame = {"type": "send", "body": f"while away {number}", "client_id": f"a{number}"}
                await alices.send(json.dumps(frame))
                await receive(alices, "chat.ack")
            # A resend with a used client id gets the original back and stores nothing.
            await alices.send(json.dumps({"type": "send", "body": "again", "client_id": "a3"}))
            again = await receive(alices, "chat.ack")
            assert again["message"]["body"] == "while away 3"

        async with socket(embedded, path, bob) as bobs:
            await receive(bobs, "chat.state")
            await bobs.send(json.dumps({"type": "resume", "after": seen}))
            backlog = await receive(bobs, "chat.backlog")
            assert backlog["complete"] is True
            assert [(m["seq"], m["body"]) for m in backlog["messages"]] == [
                (seen + 1, "while away 2"),
                (seen + 2, "while away 3"),
            ]

    asyncio.run(scenario())


def demo_study_path(visitor: Visitor) -> str:
    study = re.search(
        r'href="(/studies/\d+/)"[^>]*>\s*Algorithm interview prep', visitor.text("/studies/mine/")
    )
    return study.group(1)


def test_a_direct_message_arrives_live_with_a_notification(embedded):
    alice = Visitor(embedded).log_in("alice")
    bob = Visitor(embedded).log_in("bob")
    with alice.post_form("/messages/with/bob/", {}, page="/u/bob/") as response:
        conversation = response.read().decode()
    bob_id = int(re.search(r'data-other-id="(\d+)"', conversation).group(1))

    async def scenario():
        async with (
            socket(embedded, "/ws/messages/", alice) as alices,
            socket(embedded, "/ws/messages/", bob) as bobs,
            socket(embedded, "/ws/notifications/", bob) as bells,
        ):
            unread = (await receive(bobs, "messages.state"))["unread"]
            before = (await receive(bells, "notifications.state"))["unread"]
            frame = {"type": "send", "to": bob_id, "body": "안녕하세요, Bob!", "client_id": "dm1"}
            await alices.send(json.dumps(frame))
            sent = await receive(alices, "message.sent")
            new = await receive(bobs, "message.new")
            assert new["message"] == sent["message"]
            assert new["message"]["body"] == "안녕하세요, Bob!"
            assert new["unread"] == unread + 1
            bell = await receive(bells, "notification.new")
            assert bell["notification"]["kind"] == "direct_message"
            assert bell["unread"] == before + 1

    asyncio.run(scenario())
    # The message is stored: Bob's inbox page lists it after the sockets closed.
    assert "안녕하세요, Bob!" in unescape(bob.text("/messages/"))
