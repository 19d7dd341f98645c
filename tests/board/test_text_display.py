"""Board text as people expect it: rendered task descriptions, plain search excerpts."""

import pytest
from django.urls import reverse

from board import services
from tests.board.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_task_description_renders_sanitized_markdown(study, owner, member):
    task = services.task_create(
        study=study,
        by=owner,
        title="Week 1",
        description="Read **one** chapter <script>alert(1)</script>\n\n- heaps",
    )
    html = client_for(member).get(task.get_absolute_url()).content.decode()
    assert "<strong>one</strong>" in html
    assert "**one**" not in html
    assert "<li>heaps</li>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def search(user, study, query, **headers):
    url = reverse("board:search", kwargs={"study_id": study.pk})
    return client_for(user).get(url, {"q": query}, **headers)


def test_search_results_show_plain_excerpts_with_the_match_marked(study, task, member):
    services.post_create(
        task=task,
        author=member,
        title="Heaps",
        body="A **binary** heap <b>is</b> a [tree](https://example.com).",
    )
    html = search(member, study, "binary").content.decode()
    assert (
        '<p class="mt-1 break-words text-sm text-slate-700" data-excerpt>A <mark>binary</mark>'
        in html
    )
    assert "**binary**" not in html
    assert "[tree]" not in html
    assert "&lt;b&gt;is&lt;/b&gt;" in html  # raw HTML in markdown is text, shown as typed


def test_a_search_result_links_the_post_and_escapes_what_people_typed(study, owner, member):
    task = services.task_create(study=study, by=owner, title="Week <1>")
    member.display_name = "Kim & <Lee>"
    member.save()
    post = services.post_create(task=task, author=member, title="<i>Heaps</i>", body="binary")
    html = search(member, study, "heaps").content.decode()
    assert (
        f'<li class="px-4 py-3" data-post-id="{post.pk}">'
        f'<a class="font-medium hover:underline" href="{post.get_absolute_url()}">'
        "&lt;i&gt;Heaps&lt;/i&gt;</a>"
    ) in html
    assert "Week &lt;1&gt; · Kim &amp; &lt;Lee&gt; · <time datetime=" in html
    assert "<i>Heaps</i>" not in html


def test_search_json_gives_the_excerpt_in_marked_parts(study, task, member):
    services.post_create(task=task, author=member, title="Heaps", body="A **binary** heap.")
    response = search(member, study, "binary", HTTP_ACCEPT="application/json")
    [result] = response.json()["results"]
    assert result["excerpt"] == "A binary heap."
    assert result["excerpt_parts"] == [["A ", False], ["binary", True], [" heap.", False]]


def test_search_by_an_outsider_is_refused(study, outsider):
    assert search(outsider, study, "binary").status_code == 403
