"""Search results load the next page as the reader scrolls."""

import pytest
from playwright.sync_api import expect

from board import services
from tests.board.conftest import make_study
from tests.conftest import in_thread, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def many_posts(make_user):
    owner = make_user("olivia", display_name="Olivia")
    study = make_study(owner)
    task = services.task_create(study=study, by=owner, title="Weekly")
    for n in range(25):
        services.post_create(task=task, author=owner, title=f"Week {n} <b>", body="summary")
    return study.pk


def test_scrolling_loads_the_next_page_of_results(served, browser, make_user):
    study_id = in_thread(many_posts, make_user)
    server = served()
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server.url, "olivia")
    page.goto(f"{server.url}/studies/{study_id}/board/search/?q=summary")
    results = page.locator("[data-search-results] > li")
    assert results.count() == 20
    page.locator("[data-infinite-scroll]").scroll_into_view_if_needed()
    expect(results).to_have_count(25)
    assert results.last.locator("a").inner_text() == "Week 0 <b>"
    assert page.locator("[data-infinite-scroll]").count() == 0
    assert errors == []
    context.close()
