"""Every page at phone and desktop size: no sideways scrolling, a usable header, no serious
accessibility violation (axe-core), and a screenshot for review.

axe-core comes from the npm registry beside Tailwind (theme/static_src/package.json) and is
loaded from node_modules, never from a CDN: run `npm install` in theme/static_src first
(`make css` does). Screenshots go to var/test-artifacts/screens/.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from board.services import post_create, task_create
from chat.services import message_post
from messaging.services import message_send
from studies.services import join_request_create
from tests.chat.factories import make_room, make_study
from tests.conftest import CHROMIUM_ARGS, PASSWORD, in_thread, log_in
from tests.e2e.artefacts import ROOT, SCREENS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = ROOT / "theme" / "static_src" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": (360, 740), "desktop": (1280, 800)}
MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]

DESCRIPTION = """We read **CLRS** together.

- one chapter a week
- two problems each
"""


def build_world(make_user):
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    carol = make_user("carol", display_name="Carol")
    study = make_study(alice, bob, title="Algorithms")
    study.description = DESCRIPTION
    study.save(update_fields=["description"])
    make_study(bob, title="Databases")
    join_request_create(study=study, user=carol, message="I would love to join.")
    room = make_room(study, alice)
    message_post(room_id=room.pk, author=alice, body="Hello @bob, welcome!", client_id="c1")
    task = task_create(
        study=study,
        by=alice,
        title="Week 1",
        description="Read **one** chapter:\n\n1. sorting\n2. heaps",
        due_date=timezone.localdate() + timedelta(days=3),
    )
    post = post_create(
        task=task, author=bob, title="My notes", body="Heaps are **binary** trees.\n\n- insert"
    )
    message, _created = message_send(
        sender=alice, recipient_id=bob.pk, body="Are you coming tonight?", client_id="d1"
    )
    return {
        "study": study.pk,
        "room": room.pk,
        "task": task.pk,
        "post": post.pk,
        "conversation": message.conversation_id,
    }


def pages_for(world) -> dict[str, list[tuple[str, str]]]:
    """Return, per role, (name, path) of the pages to check; POST forms are filled separately."""
    study = world["study"]
    board = f"/studies/{study}/board"
    return {
        "anonymous": [
            ("home", "/"),
            ("explore", "/studies/"),
            ("study", f"/studies/{study}/"),
            ("login", "/accounts/login/"),
            ("signup", "/accounts/signup/"),
            ("profile", "/u/alice/"),
            ("not-found", "/no-such-page/"),
        ],
        "member": [
            ("home", "/"),
            ("explore", "/studies/?q=algo"),
            ("study", f"/studies/{study}/"),
            ("my-studies", "/studies/mine/"),
            ("board", f"{board}/"),
            ("task", f"{board}/tasks/{world['task']}/"),
            ("post", f"{board}/posts/{world['post']}/"),
            ("search", f"{board}/search/?q=binary"),
            ("chat-rooms", f"/chat/studies/{study}/"),
            ("chat", f"/chat/rooms/{world['room']}/"),
            ("inbox", "/messages/"),
            ("dm", f"/messages/{world['conversation']}/"),
            ("call", f"/studies/{study}/call/"),
            ("notifications", "/notifications/"),
            ("profile", "/u/bob/"),
            ("profile-edit", "/accounts/profile/"),
            ("new-study", "/studies/new/"),
        ],
        "owner": [
            ("home", "/"),
            ("study", f"/studies/{study}/"),
            ("delete-study", f"/studies/{study}/delete/"),
            ("notifications", "/notifications/"),
        ],
        "outsider": [
            ("board-forbidden", f"{board}/"),
        ],
    }


USERS = {"member": "bob", "owner": "alice", "outsider": "carol"}

# Scripts each page needs to have settled before it is judged.
READY = {
    "chat": "[data-chat-room][data-socket=open]",
    "dm": "[data-conversation][data-socket=open]",
    "call": "[data-call-status]:not(:text('Connecting…'))",
}

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"

# The header's visible controls that are not what they claim to be under their own centre.
HEADER_BLOCKED = """() => {
  const blocked = [];
  let visible = 0;
  for (const control of document.querySelectorAll("header a, header button")) {
    const box = control.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(control).visibility === "hidden") continue;
    visible += 1;
    const inside = box.left >= 0 && box.top >= 0 && box.right <= innerWidth;
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (!inside || !(hit === control || control.contains(hit))) {
      blocked.push(control.textContent.trim() || control.outerHTML.slice(0, 80));
    }
  }
  return { visible, blocked };
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0].target.join(" ")}`);
}"""


def check_page(page, size: str, label: str, problems: list[str]) -> None:
    width = page.evaluate("window.innerWidth")
    overflow = page.evaluate(OVERFLOW)
    if overflow > 0:
        problems.append(f"{label}: scrolls sideways by {overflow}px at width {width}")
    header = page.evaluate(HEADER_BLOCKED)
    if header["visible"] < 2 or header["blocked"]:
        problems.append(f"{label}: header controls hidden or covered: {header}")
    menu = page.locator("[data-menu-button]")
    if size == "phone":
        if not menu.is_visible():
            problems.append(f"{label}: no menu button on a phone")
        else:
            menu.click()
            links = page.locator("#site-menu a")
            if not links.first.is_visible():
                problems.append(f"{label}: the menu button does not open the menu")
            header = page.evaluate(HEADER_BLOCKED)
            if header["blocked"]:
                problems.append(f"{label}: menu entries covered: {header['blocked']}")
            page.keyboard.press("Escape")
    elif menu.is_visible():
        problems.append(f"{label}: menu button shown on a desktop")
    page.add_script_tag(path=str(AXE))
    for violation in page.evaluate(AXE_RUN):
        problems.append(f"{label}: axe {violation}")
    page.screenshot(path=str(SCREENS / f"{label}.png"), full_page=True)


def check_forms_with_errors(page, base: str, size: str, role: str, problems: list[str]) -> None:
    """Submit forms wrongly and judge the pages that show their errors."""
    if role == "anonymous":
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "nobody")
        page.fill("input[name=password]", "wrong")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        check_page(page, size, f"{role}-login-error-{size}", problems)
        page.goto(f"{base}/accounts/signup/")
        page.fill("input[name=username]", "x" * 3)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        check_page(page, size, f"{role}-signup-error-{size}", problems)
    elif role == "member":
        page.goto(f"{base}/studies/new/")
        page.evaluate("document.querySelector('main form').noValidate = true")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        check_page(page, size, f"{role}-new-study-error-{size}", problems)


@pytest.fixture
def media_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS + MEDIA_ARGS
        )
        yield chromium
        chromium.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_fits_and_passes_axe(make_user, served, media_browser, size):
    assert AXE.exists(), "Run `npm install` in theme/static_src (make css does) for axe-core."
    SCREENS.mkdir(parents=True, exist_ok=True)
    world = in_thread(build_world, make_user)
    server = served()
    width, height = SIZES[size]
    problems: list[str] = []
    for role, pages in pages_for(world).items():
        context = media_browser.new_context(
            viewport={"width": width, "height": height},
            permissions=["camera", "microphone"],
            # The site's CSP allows no inline script; axe is injected as one.
            bypass_csp=True,
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        if role in USERS:
            log_in(page, server.url, USERS[role], PASSWORD)
        for name, path in pages:
            page.goto(server.url + path)
            if name in READY:
                page.wait_for_selector(READY[name], timeout=15000)
            check_page(page, size, f"{role}-{name}-{size}", problems)
        check_forms_with_errors(page, server.url, size, role, problems)
        problems += [f"{role}: page error {error}" for error in errors]
        context.close()
    assert not problems, "\n".join(problems)
