"""User markdown as the plain text a reader sees: card summaries and search excerpts."""

import functools
import re
from dataclasses import dataclass, field
from html import unescape

from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from markup.markdown import render_markdown

# Where a block ends, the text gets a space, so that paragraphs and list items stay apart.
BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|td|th|div)>|<br\s*/?>|<hr\s*/?>", re.I)
LIST_ITEM = re.compile(r"<li(?:\s[^>]*)?>", re.I)
# websearch syntax that is not a word to look for.
QUERY_SYNTAX = re.compile(r'["()]|(?<!\S)-|(?<!\S)or(?!\S)', re.I)


# Cards show a summary of each study and board searches an excerpt of each post found: the
# same texts, page after page. A conversion costs about 0.3 ms; a process keeps the latest.
TEXTS_KEPT = 4096


@functools.lru_cache(maxsize=TEXTS_KEPT)
def markdown_to_text(text: str) -> str:
    """Return `text` rendered as markdown, as one line of plain text without markup."""
    html = LIST_ITEM.sub("• ", str(render_markdown(text)))
    html = BLOCK_END.sub(" ", html)
    return " ".join(unescape(strip_tags(html)).split())


@dataclass(frozen=True)
class Excerpt:
    """Plain text with the spans (start, end) that matched a search."""

    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)

    def parts(self) -> list[tuple[str, bool]]:
        """Return the text in pieces, each with whether it matched."""
        parts, last = [], 0
        for start, end in self.highlights:
            parts += [(self.text[last:start], False), (self.text[start:end], True)]
            last = end
        parts.append((self.text[last:], False))
        return [part for part in parts if part[0]]

    def html(self) -> SafeString:
        """Return the text escaped, with each match in a <mark>."""
        return mark_safe(  # every piece is escaped here
            "".join(
                f"<mark>{escape(text)}</mark>" if hit else escape(text)
                for text, hit in self.parts()
            )
        )

    def __str__(self):
        return self.text


def query_terms(query: str) -> list[str]:
    return [term for term in QUERY_SYNTAX.sub(" ", query).split() if term]


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    if not terms:
        return []
    pattern = re.compile(
        "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.I
    )
    return [match.span() for match in pattern.finditer(text)]


def search_excerpt(markdown: str, query: str, *, length: int = 200) -> Excerpt:
    """Return about `length` characters of the plain text around the first match of `query`."""
    text = markdown_to_text(markdown)
    terms = query_terms(query)
    spans = _spans(text, terms)
    start = 0
    if spans and spans[0][0] > length // 3:
        start = spans[0][0] - length // 3
        space = text.rfind(" ", 0, start)
        start = space + 1 if space != -1 and start - space < 20 else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start + length // 2, end)
        end = space if space != -1 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    window = prefix + text[start:end] + suffix
    return Excerpt(window, _spans(window, terms))
