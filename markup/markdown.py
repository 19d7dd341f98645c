"""User markdown to safe HTML: rendered on the server, then sanitized with an allowlist."""

import threading

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
# Only the classes Pygments emits for highlighting, on code containers.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "pre": {"class"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["fenced_code", "codehilite", "tables", "sane_lists", "nl2br"]
EXTENSION_CONFIGS = {"codehilite": {"css_class": "highlight", "guess_lang": False}}


class EscapeRawHtml(Extension):
    """Show raw HTML in markdown as text instead of passing it through."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


_renderers = threading.local()


def _renderer() -> markdown_lib.Markdown:
    """Return this thread's converter: building one costs more than converting a card's text."""
    renderer = getattr(_renderers, "markdown", None)
    if renderer is None:
        renderer = _renderers.markdown = markdown_lib.Markdown(
            extensions=[*EXTENSIONS, EscapeRawHtml()],
            extension_configs=EXTENSION_CONFIGS,
            output_format="html",
        )
    return renderer


def render_markdown(text: str) -> SafeString:
    """Return the sanitized HTML of `text`; raw HTML in it is escaped, never passed through."""
    html = _renderer().reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(clean)  # sanitized by nh3 just above
