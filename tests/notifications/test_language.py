"""Notifications are written in each recipient's language, not in the actor's."""

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.models import Kind, Notification
from notifications.services import notify
from tests.chat.factories import join, make_study

pytestmark = pytest.mark.django_db


def text_of(user, kind) -> str:
    return Notification.objects.get(recipient=user, kind=kind).text


def test_a_join_request_reaches_a_korean_owner_in_korean(make_user):
    owner = make_user("minji", display_name="민지", language="ko")
    asker = make_user("tom", display_name="Tom", language="en")
    study = make_study(owner, title="장고 스터디")
    # The request is made on an English page: the actor's language is active.
    with translation.override("en"):
        join(study, asker)
    assert text_of(owner, Kind.JOIN_REQUESTED) == "Tom 님이 장고 스터디에 참여 신청을 했어요"
    assert text_of(asker, Kind.REQUEST_ACCEPTED) == "You joined 장고 스터디"


def test_one_event_many_languages(make_user):
    owner = make_user("owner", language="ko")
    korean = make_user("jisoo", language="ko")
    english = make_user("emma", language="en")
    unset = make_user("anon")
    study = make_study(owner, korean, english, unset)
    with translation.override("ko"):
        notify(
            users=[korean, english, unset],
            kind=Kind.STUDY_STATUS_CHANGED,
            text=lambda: (
                _("%(study)s is now %(status)s")
                % {"study": study.title, "status": study.get_status_display()}
            ),
            url="/",
        )
        # Writing them changed nothing about the actor's own language.
        assert translation.get_language() == "ko"
    assert text_of(korean, Kind.STUDY_STATUS_CHANGED).endswith("상태예요")
    assert text_of(english, Kind.STUDY_STATUS_CHANGED) == "Algorithms is now Recruiting"
    # A user who never chose a language gets the site's default.
    assert text_of(unset, Kind.STUDY_STATUS_CHANGED) == "Algorithms is now Recruiting"


def test_a_plain_text_is_sent_as_it_is(make_user):
    korean = make_user("jisoo", language="ko")
    notify(users=[korean], kind=Kind.ANNOUNCEMENT, text="Maintenance at 9", url="/")
    assert text_of(korean, Kind.ANNOUNCEMENT) == "Maintenance at 9"


def test_a_long_text_is_cut_after_translation(make_user):
    korean = make_user("jisoo", language="ko")
    notify(
        users=[korean],
        kind=Kind.ANNOUNCEMENT,
        text=lambda: _("You joined %(study)s") % {"study": "가" * 400},
        url="/",
    )
    text = text_of(korean, Kind.ANNOUNCEMENT)
    assert len(text) == Notification._meta.get_field("text").max_length
    assert text.endswith("…")
