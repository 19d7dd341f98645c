from html.parser import HTMLParser

import pytest

from markup.markdown import ALLOWED_TAGS, render_markdown


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


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
    for tag, attrs in elements(render_markdown(payload)):
        assert tag in ALLOWED_TAGS
        assert not any(name.startswith("on") for name in attrs)
        assert not attrs.get("href", "https:").startswith(("javascript:", "data:"))


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>"


def test_markdown_renders_links_with_safe_rel_and_highlighted_code():
    html = render_markdown("[docs](https://docs.djangoproject.com)\n\n```python\nx = 1\n```")
    assert '<a href="https://docs.djangoproject.com" rel="nofollow noopener noreferrer">' in html
    assert '<div class="highlight">' in html
