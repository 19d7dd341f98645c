"""Study cards are rendered once per content (studies_tags.study_card), never shown stale."""

from datetime import timedelta

import pytest
from django.utils import translation

from accounts.models import User
from studies import services
from studies.models import Study, Tag
from studies.selectors import studies_for_listing
from studies.templatetags import studies_tags
from tests.studies.conftest import join

pytestmark = pytest.mark.django_db


def card(study_id: int, user=None) -> str:
    return studies_tags.study_card(studies_for_listing(user=user).get(pk=study_id))


def test_a_card_shows_each_change_of_what_it_shows(study, alice, carol):
    shown = card(study.pk, alice)
    changes = [
        lambda: Study.objects.filter(pk=study.pk).update(title="Graphs monthly"),
        lambda: Study.objects.filter(pk=study.pk).update(description="Now *three* problems."),
        lambda: Study.objects.filter(pk=study.pk).update(capacity=9),
        lambda: Study.objects.filter(pk=study.pk).update(
            start_date=study.start_date + timedelta(days=1)
        ),
        lambda: Study.objects.filter(pk=study.pk).update(
            end_date=study.end_date + timedelta(days=1)
        ),
        lambda: Study.objects.filter(pk=study.pk).update(
            recruitment_deadline=study.recruitment_deadline + timedelta(days=1)
        ),
        lambda: User.objects.filter(pk=study.owner_id).update(display_name="Robert"),
        lambda: study.tags.add(Tag.objects.create(name="graphs")),
        lambda: join(Study.objects.get(pk=study.pk), carol),
        lambda: services.bookmark_add(study=Study.objects.get(pk=study.pk), user=alice),
        lambda: Study.objects.filter(pk=study.pk).update(status=Study.Status.IN_PROGRESS),
    ]
    for change in changes:
        change()
        now_shown = card(study.pk, alice)
        assert now_shown != shown, change
        shown = now_shown
    assert "Graphs monthly" in shown and "Robert" in shown and "#graphs" in shown
    assert "2/9" in shown and "data-bookmarked" in shown


def test_a_card_is_in_the_language_it_is_shown_in(study):
    with translation.override("en"):
        english = card(study.pk)
    with translation.override("ko"):
        korean = card(study.pk)
    assert "Recruiting" in english
    assert "Recruiting" not in korean and "모집" in korean


def test_the_same_card_is_rendered_once(study, alice, monkeypatch):
    rendered = []
    render = studies_tags.render_to_string
    monkeypatch.setattr(
        studies_tags,
        "render_to_string",
        lambda *args, **kwargs: rendered.append(args) or render(*args, **kwargs),
    )
    monkeypatch.setattr(studies_tags, "_cards", studies_tags._RenderedCards(2))

    first = card(study.pk, alice)
    assert card(study.pk, alice) == first
    assert len(rendered) == 1
    # Another visitor who has not bookmarked it sees the same card.
    assert card(study.pk) == first
    assert len(rendered) == 1


def test_the_process_keeps_only_the_most_recently_used_cards():
    cards = studies_tags._RenderedCards(2)
    cards.put(b"a", "A")
    cards.put(b"b", "B")
    assert cards.get(b"a") == "A"
    cards.put(b"c", "C")
    assert cards.get(b"b") is None
    assert (cards.get(b"a"), cards.get(b"c")) == ("A", "C")
