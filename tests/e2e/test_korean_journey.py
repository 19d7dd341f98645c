"""Bob switches Cohort to Korean, finds a study by "장고", opens it and chats there in Korean.

Alice's browser asks for Korean from the start. Every line Bob reads after the switch is
Korean: the header, the search, the chat's connection state, "typing…", the times and the
toast that tells him Alice mentioned him (written in his language, not hers).
The search finds "장고" inside "장고와", a word with its particle (search/, issue 16).
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.chat.factories import make_room, make_study
from tests.conftest import in_thread, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "장고와 채널스로 실시간 웹 개발"


def test_switch_to_korean_search_open_chat_and_see_korean_toasts(alice, bob, served, browser):
    room = in_thread(lambda: make_room(make_study(alice, bob, title=TITLE), alice))
    room_url = in_thread(room.get_absolute_url)
    in_thread(lambda: User.objects.filter(pk__in=[alice.pk, bob.pk]).update(language=""))
    server = served()
    errors: list[str] = []

    bob_page = browser.new_context(locale="en-US").new_page()
    bob_page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(bob_page, server.url, "bob")
    expect(bob_page.locator("html")).to_have_attribute("lang", "en")
    expect(bob_page.locator("header nav")).to_contain_text("Explore")

    # The switcher, in the header of every page.
    bob_page.click("[data-language-switcher] button[value=ko]")
    expect(bob_page.locator("html")).to_have_attribute("lang", "ko")
    expect(bob_page.locator("header nav")).to_contain_text("둘러보기")
    expect(bob_page.locator("[data-language-switcher] button[value=ko]")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert in_thread(lambda: User.objects.get(pk=bob.pk).language) == "ko"

    bob_page.click("nav >> text=둘러보기")
    expect(bob_page.locator("h1")).to_have_text("스터디 둘러보기")
    bob_page.fill("input[name=q]", "장고")
    bob_page.click("form[role=search] button[type=submit]")
    bob_page.click(f"[data-study-card] >> text={TITLE}")
    expect(bob_page.locator("h1")).to_have_text(TITLE)
    expect(bob_page.locator("[data-chat-panel] h2")).to_have_text("채팅방")
    bob_page.click("[data-chat-panel] [data-room-id] a")
    bob_page.wait_for_url(re.compile(re.escape(room_url) + "$"))
    expect(bob_page.locator("[data-chat-state]")).to_have_text("실시간")

    alice_page = browser.new_context(locale="ko-KR").new_page()
    alice_page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(alice_page, server.url, "alice")
    expect(alice_page.locator("html")).to_have_attribute("lang", "ko")
    alice_page.goto(server.url + room_url)
    expect(alice_page.locator("[data-chat-state]")).to_have_text("실시간")

    bob_page.fill("[data-composer] textarea", "안녕하세요, 장고 같이 공부해요!")
    bob_page.press("[data-composer] textarea", "Enter")
    message = alice_page.locator("[data-messages] li").last
    expect(message.locator("[data-body]")).to_have_text("안녕하세요, 장고 같이 공부해요!")
    expect(message.locator("time")).to_have_text("방금 전")
    # The full date on hover, in Korean: "2026년 12월 1일 오후 9:38".
    assert re.fullmatch(
        r"\d{4}년 \d{1,2}월 \d{1,2}일 (오전|오후) \d{1,2}:\d{2}",
        message.locator("time").get_attribute("title"),
    )

    alice_page.locator("[data-composer] textarea").press_sequentially("좋아요")
    expect(bob_page.locator("[data-typing]")).to_have_text("Alice 님이 입력하고 있어요…")

    # Bob steps out to the study's room list; Alice mentions him, and he is told in Korean.
    bob_page.click(f"main a >> text={TITLE}")
    bob_page.wait_for_url(re.compile(r"/chat/studies/\d+/$"))
    expect(alice_page.locator("[data-online] li")).to_have_text(["Alice"])
    expect(bob_page.locator("body")).to_have_attribute("data-notification-socket", "open")
    alice_page.fill("[data-composer] textarea", "@bob 좋아요! 저녁에 통화해요")
    alice_page.press("[data-composer] textarea", "Enter")
    toast = bob_page.locator("[data-toasts] a")
    expect(toast).to_have_text(
        f"Alice 님이 자유 · {TITLE}에서 회원님을 언급했어요: @bob 좋아요! 저녁에 통화해요"
    )
    toast.click()
    expect(bob_page.locator("[data-chat-state]")).to_have_text("실시간")
    expect(bob_page.locator("[data-messages] li").last.locator("[data-body]")).to_have_text(
        "@bob 좋아요! 저녁에 통화해요"
    )
    assert errors == []
