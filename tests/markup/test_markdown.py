import pytest

from markup.markdown import render_markdown


@pytest.mark.parametrize(
    "payload",
    [
        "<script>window.pwned = 1</script>",
        '<img src="x" onerror="window.pwned = 1">',
        "[click](javascript:window.pwned=1)",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<svg onload="window.pwned = 1"></svg>',
        '<a href="https://example.com" onclick="window.pwned = 1">x</a>',
    ],
)
def test_nothing_executable_survives(payload):
    html = render_markdown(payload)
    for needle in (
        "<script",
        "<img",
        "<svg",
        "onerror=",
        "onload=",
        "onclick=",
        "javascript:",
        "data:",
    ):
        assert needle not in html


def test_markdown_renders_links_with_safe_rel_and_highlighted_code():
    html = render_markdown("[docs](https://docs.djangoproject.com)\n\n```python\nx = 1\n```")
    assert '<a href="https://docs.djangoproject.com" rel="nofollow noopener noreferrer">' in html
    assert '<div class="highlight">' in html
