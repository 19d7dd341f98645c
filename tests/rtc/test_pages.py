"""The call page and the study panel: for members only, showing who is in and who was."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from rtc.models import Attendance, CallSession
from rtc.services import call_join, call_leave
from tests.rtc.conftest import make_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(alice, bob):
    return make_study(alice, bob)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_call_page_is_for_members_only(study, bob, make_user):
    url = f"/studies/{study.pk}/call/"
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert client_for(make_user("mallory")).get(url).status_code == 403
    assert client_for(bob).get(f"/studies/{study.pk + 1000}/call/").status_code == 404

    response = client_for(bob).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-socket-path="/ws/rtc/{study.pk}/"' in html
    assert "/static/js/call." in html
    assert "<script>" not in html
    assert " style=" not in html


def render_panel(study, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load rtc_tags %}{% rtc_study_panel study %}")
    return template.render(Context({"study": study, "request": request}))


def test_panel_shows_who_is_in_the_call_and_past_calls_with_durations(
    study, alice, bob, django_assert_max_num_queries
):
    started = timezone.now() - timedelta(minutes=30)
    past = CallSession.objects.create(
        study=study, started_at=started, ended_at=started + timedelta(minutes=20)
    )
    Attendance.objects.create(
        session=past, user=alice, joined_at=started, left_at=started + timedelta(minutes=20)
    )
    for offset in (0, 10):
        Attendance.objects.create(
            session=past,
            user=bob,
            joined_at=started + timedelta(minutes=offset),
            left_at=started + timedelta(minutes=offset + 3),
        )
    call_join(study_id=study.pk, user=bob, channel_name="specific.test!1")
    call_join(study_id=study.pk, user=bob, channel_name="specific.test!2")

    with django_assert_max_num_queries(6):
        html = render_panel(study, alice)

    assert f'href="/studies/{study.pk}/call/"' in html
    assert "Join call" in html
    assert "In the call now:" in html
    in_call = html.split("In the call now:")[1].split("</p>")[0]
    assert in_call.split() == ["Bob"]
    assert "Alice:" in html and "20 minutes" in html
    assert "Bob:" in html and "6 minutes" in html


def test_panel_is_empty_for_outsiders_and_anonymous(study, make_user):
    from django.contrib.auth.models import AnonymousUser

    assert render_panel(study, make_user("mallory")).strip() == ""
    assert render_panel(study, AnonymousUser()).strip() == ""


def test_a_session_ends_when_the_last_participant_leaves(study, alice, bob):
    first = call_join(study_id=study.pk, user=alice, channel_name="specific.a!1")
    second = call_join(study_id=study.pk, user=bob, channel_name="specific.b!1")
    call_leave(study_id=study.pk, peer_id=first.peer_id)
    assert CallSession.objects.get().ended_at is None
    call_leave(study_id=study.pk, peer_id=second.peer_id)
    session = CallSession.objects.get()
    assert session.ended_at is not None
    assert list(session.attendances.filter(left_at__isnull=True)) == []
    call_leave(study_id=study.pk, peer_id=second.peer_id)
    assert CallSession.objects.count() == 1
