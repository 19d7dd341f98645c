"""A member plans a task, posts with a file (watching the upload bar), another comments, and
the author is told live."""

import json

import pytest
from playwright.sync_api import expect

from board.models import Attachment, Task
from tests.board.conftest import join, make_study
from tests.conftest import in_thread, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Record every value the upload bar takes, in sessionStorage, which outlives the redirect
# that follows a finished upload.
RECORD_UPLOAD_PROGRESS = """
document.addEventListener("DOMContentLoaded", () => {
  for (const bar of document.querySelectorAll("[data-upload-progress]")) {
    new MutationObserver(() => {
      const seen = JSON.parse(sessionStorage.getItem("uploadProgress") || "[]");
      seen.push(Number(bar.getAttribute("value")));
      sessionStorage.setItem("uploadProgress", JSON.stringify(seen));
    }).observe(bar, { attributes: true, attributeFilter: ["value"] });
  }
});
"""
FILE_BYTES = 3 * 1024 * 1024


@pytest.fixture
def media_root(tmp_path, monkeypatch):
    """Give the server processes their own media directory."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))
    return tmp_path / "media"


def a_study(make_user):
    owner = make_user("olivia", display_name="Olivia")
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    study = make_study(owner)
    join(study, alice)
    join(study, bob)
    return study


def test_task_post_with_upload_comment_and_live_notification(
    served, browser, make_user, media_root, tmp_path
):
    study = in_thread(a_study, make_user)
    server = served()
    errors = []

    alice_context = browser.new_context()
    alice_context.add_init_script(RECORD_UPLOAD_PROGRESS)
    alice = alice_context.new_page()
    alice.on("pageerror", lambda error: errors.append(str(error)))
    log_in(alice, server.url, "alice")

    alice.goto(f"{server.url}/studies/{study.pk}/board/")
    alice.click("text=New task")
    alice.fill("input[name=title]", "Week 1: dynamic programming")
    alice.fill("input[name=due_date]", "2030-01-15")
    alice.select_option("select[name=assignee]", label="Bob")
    alice.click("main form button[type=submit]")
    alice.wait_for_selector("h1:has-text('Week 1: dynamic programming')")
    assert in_thread(lambda: Task.objects.values_list("assignee__username", flat=True).get()) == (
        "bob"
    )

    alice.click("text=Write a post")
    alice.fill("input[name=title]", "Coin change notes")
    alice.fill("textarea[name=body]", "**Bottom-up** table:\n\n```python\nbest = [0]\n```")
    alice.wait_for_selector("[data-preview][data-preview-state=ready] strong")
    assert alice.inner_text("[data-preview] strong") == "Bottom-up"
    assert alice.locator("[data-preview] .highlight").count() == 1
    notes = tmp_path / "notes.bin"
    notes.write_bytes(b"n" * FILE_BYTES)
    alice.set_input_files("input[name=files]", str(notes))
    alice.click("form[data-upload-form] button[type=submit]")
    alice.wait_for_url(f"{server.url}/studies/{study.pk}/board/posts/*/")
    progress = json.loads(alice.evaluate("sessionStorage.getItem('uploadProgress')"))
    assert progress[-1] == 100
    assert max(progress) == 100
    assert alice.inner_text("[data-post-body] strong") == "Bottom-up"
    assert alice.inner_text("[data-attachment-id] a") == "notes.bin"
    attachment = in_thread(Attachment.objects.get)
    assert attachment.size == FILE_BYTES
    assert (media_root / attachment.file.name).stat().st_size == FILE_BYTES
    expect(alice.locator("body")).to_have_attribute("data-notification-socket", "open")
    unread_before = alice.inner_text("[data-unread-badge]")

    bob_context = browser.new_context()
    bob = bob_context.new_page()
    bob.on("pageerror", lambda error: errors.append(str(error)))
    log_in(bob, server.url, "bob")
    post_url = alice.url
    bob.goto(post_url)
    bob.fill("textarea[name=body]", "Try the *top-down* version too.")
    bob.click("form:has(textarea[name=body]) button[type=submit]")
    bob.wait_for_selector("[data-comment-id] em:has-text('top-down')")

    alice.wait_for_selector("[data-toasts] >> text=Bob commented on Coin change notes")
    assert int(alice.inner_text("[data-unread-badge]")) == int(unread_before) + 1
    assert errors == []
    alice_context.close()
    bob_context.close()
