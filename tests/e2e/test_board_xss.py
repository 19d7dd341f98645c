"""The XSS corpus rendered in a real page: no script runs, no dialog opens.

The site's Content-Security-Policy would block inline script on its own, so the test also
inspects the DOM: whatever the policy, the sanitized markup holds nothing executable.
"""

import pytest

from board import services
from tests.board.conftest import join, make_study
from tests.board.xss_corpus import CORPUS
from tests.conftest import in_thread, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Elements, attributes and URLs in `root` that could run script.
FIND_EXECUTABLE = """
(root) => {
  const found = [];
  for (const element of root.querySelectorAll("*")) {
    const tag = element.tagName.toLowerCase();
    if (["script", "iframe", "object", "embed", "svg", "math", "img", "style", "base",
         "meta", "form", "input", "details", "video", "source", "body"].includes(tag)) {
      found.push(`<${tag}>`);
    }
    for (const attribute of element.attributes) {
      if (attribute.name.startsWith("on") || attribute.name === "style") {
        found.push(`${attribute.name} on <${tag}>`);
      }
    }
    const safe = ["http:", "https:", "mailto:"].includes(element.protocol);
    if (tag === "a" && element.hasAttribute("href") && !safe) {
      found.push(`link to ${element.protocol}`);
    }
  }
  return found;
}
"""


def corpus_post(make_user):
    owner = make_user("olivia", display_name="Olivia")
    member = make_user("alice", display_name="Alice")
    study = make_study(owner)
    join(study, member)
    task = services.task_create(study=study, by=owner, title="XSS")
    post = services.post_create(task=task, author=owner, title="Corpus", body=CORPUS)
    services.comment_create(post=post, author=member, body=CORPUS)
    return post.get_absolute_url(), f"/studies/{study.pk}/board/tasks/{task.pk}/posts/new/"


def test_the_corpus_runs_nothing_in_a_real_page(served, browser, make_user):
    post_url, new_post_url = in_thread(corpus_post, make_user)
    server = served()
    context = browser.new_context()
    page = context.new_page()
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    log_in(page, server.url, "alice")
    # The finder itself notices executable markup.
    planted = '<p><img src=x onerror="window.pwned=1"><a href="javascript:alert(1)">x</a></p>'
    assert page.evaluate(
        f"(html) => ({FIND_EXECUTABLE})(new DOMParser().parseFromString(html, 'text/html').body)",
        planted,
    ) == ["<img>", "onerror on <img>", "link to javascript:"]

    page.goto(f"{server.url}{post_url}")
    page.wait_for_load_state("load")
    # Give error and focus handlers of broken images and autofocus inputs time to fire.
    page.wait_for_timeout(500)
    assert page.evaluate("window.pwned") is None
    assert page.locator("[data-post-body] a").count() > 0
    assert page.eval_on_selector("[data-post-body]", FIND_EXECUTABLE) == []
    for comment in page.locator("[data-comment-id] .markdown").element_handles():
        assert comment.evaluate(FIND_EXECUTABLE) == []

    page.goto(f"{server.url}{new_post_url}")
    page.fill("textarea[name=body]", CORPUS)
    page.wait_for_selector("[data-preview][data-preview-state=ready] p")
    page.wait_for_timeout(500)
    assert page.evaluate("window.pwned") is None
    assert page.eval_on_selector("[data-preview]", FIND_EXECUTABLE) == []
    assert dialogs == []
    context.close()
