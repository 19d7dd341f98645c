import collections
import hashlib
import threading

from django import template
from django.template.loader import render_to_string
from django.utils.translation import get_language

from markup.text import markdown_to_text
from studies.selectors import reviews_received, score_summary_for, studies_joined, tags_of

register = template.Library()

PROFILE_LIMIT = 20
# Previews show a couple of lines: a description's first characters are all they need.
PREVIEW_SOURCE_CHARS = 1000
CARD_TEMPLATE = "studies/_card.html"
# Rendered cards kept per process (about 1.5 KB each): the explore pages' cards, reused by
# every visitor who lists the same studies.
CARDS_KEPT = 4000


@register.inclusion_tag("studies/profile_sections.html")
def study_profile_sections(person):
    """Render a profile's review score, reviews received and studies joined."""
    return {
        "person": person,
        "summary": score_summary_for(person.pk),
        "reviews": reviews_received(person.pk)[:PROFILE_LIMIT],
        "studies": studies_joined(person.pk)[:PROFILE_LIMIT],
    }


@register.filter
def markdown_text(text: str) -> str:
    """Return markdown as the plain text a reader sees, for short previews."""
    return markdown_to_text(text[:PREVIEW_SOURCE_CHARS])


class _RenderedCards:
    """The process's most recently used rendered cards, by a digest of what the card shows."""

    def __init__(self, size: int):
        self.size = size
        self.cards: collections.OrderedDict[bytes, str] = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: bytes) -> str | None:
        with self.lock:
            card = self.cards.get(key)
            if card is not None:
                self.cards.move_to_end(key)
            return card

    def put(self, key: bytes, card: str) -> None:
        with self.lock:
            self.cards[key] = card
            if len(self.cards) > self.size:
                self.cards.popitem(last=False)


_cards = _RenderedCards(CARDS_KEPT)


def card_key(study, tags) -> bytes:
    """Digest every value studies/_card.html shows, and the language it is shown in.

    The key is the card's content: a changed study (or member count, or bookmark) is a new
    key, so a kept card is never stale and nothing has to be invalidated across processes.
    """
    shown = (
        study.pk,
        study.title,
        study.owner.name,
        study.description,
        study.start_date,
        study.end_date,
        study.recruitment_deadline,
        study.status,
        study.capacity,
        study.member_total,
        study.recruitment_is_open,
        getattr(study, "is_bookmarked", False),
        [tag.name for tag in tags],
        get_language(),
    )
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).digest()


@register.simple_tag
def study_card(study) -> str:
    """Render a study's card (from study_cards or studies_for_listing), once per content.

    Rendering a card costs about a millisecond, most of an explore page's server time; the
    same card is shown to everyone who lists that study in that language.
    """
    tags = tags_of(study)
    key = card_key(study, tags)
    card = _cards.get(key)
    if card is None:
        card = render_to_string(CARD_TEMPLATE, {"study": study, "tags": tags})
        _cards.put(key, card)
    return card
