"""An oversized file is refused in the browser with a clear error, and nothing is kept."""

import pytest
from playwright.sync_api import expect

from board import services
from board.models import Post
from tests.board.conftest import make_study
from tests.conftest import in_thread, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_task(make_user):
    owner = make_user("olivia", display_name="Olivia")
    study = make_study(owner)
    task = services.task_create(study=study, by=owner, title="Slides")
    return f"/studies/{study.pk}/board/tasks/{task.pk}/posts/new/"


def test_an_oversized_upload_shows_the_servers_error(
    served, browser, make_user, monkeypatch, tmp_path
):
    monkeypatch.setenv("BOARD_MAX_UPLOAD_BYTES", "1024")
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))
    url = in_thread(a_task, make_user)
    server = served()
    context = browser.new_context()
    page = context.new_page()
    log_in(page, server.url, "olivia")
    page.goto(f"{server.url}{url}")
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2048)
    page.fill("input[name=title]", "Too big")
    page.fill("textarea[name=body]", "see file")
    page.set_input_files("input[name=files]", str(big))
    page.click("form[data-upload-form] button[type=submit]")
    errors = page.locator("[data-upload-errors] li")
    expect(errors).to_have_text(["Not uploaded, larger than 1.0\xa0KB: big.bin"])
    assert page.url == f"{server.url}{url}"
    expect(page.locator("form[data-upload-form] button[type=submit]")).to_be_enabled()
    assert in_thread(Post.objects.count) == 0
    assert [path for path in tmp_path.joinpath("media").rglob("*") if path.is_file()] == []
    context.close()
