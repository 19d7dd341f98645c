"""Creating a study: the form's rules, tag normalization, and who may do it."""

import pytest
from django.test import Client

from studies.models import Membership, Study
from tests.studies.conftest import client_for, future

pytestmark = pytest.mark.django_db

URL = "/studies/new/"


def valid(**changes):
    data = {
        "title": "Graph theory",
        "description": "Reading *Introduction to Graph Theory*.",
        "tags": " Graphs, MATHS ,graphs,  discrete   math ",
        "start_date": future(10).isoformat(),
        "end_date": future(40).isoformat(),
        "recruitment_deadline": future(5).isoformat(),
        "capacity": "6",
        "how_we_run": "Sundays.",
    }
    data.update(changes)
    return data


def test_anonymous_is_sent_to_log_in():
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Client().post(URL, valid()).status_code == 302
    assert not Study.objects.exists()


def test_a_user_creates_a_study_and_becomes_its_owner_and_member(alice):
    response = client_for(alice).post(URL, valid())
    study = Study.objects.get()
    assert response.status_code == 302
    assert response["Location"] == study.get_absolute_url()
    assert study.owner == alice
    assert list(Membership.objects.filter(study=study).values_list("user", flat=True)) == [alice.pk]
    assert sorted(study.tags.values_list("name", flat=True)) == ["discrete math", "graphs", "maths"]


def test_the_form_shows_fields_to_fill(alice):
    response = client_for(alice).get(URL)
    assert response.status_code == 200
    for name in ("title", "description", "tags", "start_date", "capacity", "how_we_run"):
        assert f'name="{name}"' in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tags": "a, b, c, d, e, f"}, "tags"),
        ({"tags": "x" * 31}, "tags"),
        ({"tags": "<script>"}, "tags"),
        ({"end_date": future(9).isoformat()}, "end_date"),
        ({"recruitment_deadline": future(11).isoformat()}, "recruitment_deadline"),
        ({"recruitment_deadline": future(-1).isoformat()}, "recruitment_deadline"),
        ({"capacity": "1"}, "capacity"),
        ({"capacity": "51"}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"start_date": "2026-02-31"}, "start_date"),
        ({"end_date": "next week"}, "end_date"),
        ({"title": "x" * 121}, "title"),
        ({"title": ""}, "title"),
        ({"description": "x" * 10001}, "description"),
        ({"how_we_run": "x" * 5001}, "how_we_run"),
    ],
)
def test_bad_input_gives_a_form_error_not_a_study(alice, changes, field):
    response = client_for(alice).post(URL, valid(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Study.objects.exists()


def test_five_tags_are_allowed(alice):
    client_for(alice).post(URL, valid(tags="a, b, c, d, e, A"))
    assert Study.objects.get().tags.count() == 5


def test_csrf_is_enforced(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(URL, valid()).status_code == 403
    assert not Study.objects.exists()
    token = client.get(URL).context["csrf_token"]
    assert client.post(URL, {**valid(), "csrfmiddlewaretoken": token}).status_code == 302
    assert Study.objects.count() == 1
