"""The XSS corpus through the real pipeline: saved posts and comments, and the live preview."""

import pytest
from django.urls import reverse

from board import services
from markup.markdown import render_markdown
from tests.board.conftest import client_for
from tests.board.xss_corpus import CORPUS, PAYLOADS, executable_parts

pytestmark = pytest.mark.django_db


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 30


def test_the_checker_catches_what_it_looks_for():
    assert executable_parts('<p onclick="x">a</p>') == ["attribute onclick on <p>"]
    assert executable_parts("<script>x</script>") == ["tag <script>"]
    assert "URL 'javascript:x' on <a>" in executable_parts('<a href="javascript:x">a</a>')
    assert executable_parts('<a href="https://example.com" rel="nofollow">a</a>') == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_executable_survives_rendering(payload):
    assert executable_parts(render_markdown(payload)) == []


def test_links_keep_only_safe_schemes_and_get_rel():
    html = render_markdown("[ok](https://example.com) [mail](mailto:a@example.com)")
    assert 'href="https://example.com" rel="nofollow noopener noreferrer"' in html
    assert 'href="mailto:a@example.com"' in html


def test_code_blocks_show_payloads_as_text():
    html = render_markdown("```html\n<script>window.pwned = 1</script>\n```")
    assert '<span class="nt">script</span>' in html
    assert "<script" not in html


def test_saved_posts_and_comments_hold_only_sanitized_html(task, member, member2):
    post = services.post_create(task=task, author=member, title="Corpus", body=CORPUS)
    comment = services.comment_create(post=post, author=member2, body=CORPUS)
    assert executable_parts(post.body_html) == []
    assert executable_parts(comment.body_html) == []
    page = client_for(member2).get(post.get_absolute_url()).content.decode()
    body = page.split("data-post-body>", 1)[1].split("<section", 1)[0]
    assert executable_parts(body) == []


def test_preview_returns_the_same_sanitized_html(study, member):
    response = client_for(member).post(reverse("board:preview", args=[study.pk]), {"body": CORPUS})
    assert response.status_code == 200
    html = response.json()["html"]
    assert html == str(render_markdown(CORPUS))
    assert executable_parts(html) == []


def test_preview_refuses_an_over_long_draft(study, member):
    response = client_for(member).post(
        reverse("board:preview", args=[study.pk]), {"body": "x" * 20001}
    )
    assert response.status_code == 400
    assert "errors" in response.json()
