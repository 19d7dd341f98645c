"""403, 404 and 500 pages with the site header, and notifications whose object is gone."""

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from notifications.models import Kind, Notification
from studies import services
from tests.chat.factories import join, make_study

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_unknown_address_is_a_404_page_with_the_header_and_a_way_back(alice):
    response = logged_in(alice).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-error-page="404"' in html
    assert "data-notification-bell" in html  # the site header, for the logged-in user
    assert 'href="/"' in html
    assert "Page not found" in html


def test_a_forbidden_page_is_a_403_page_with_the_header(alice, bob):
    study = make_study(alice)
    response = logged_in(bob).get(f"/studies/{study.pk}/board/")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-error-page="403"' in html
    assert "data-notification-bell" in html


def test_the_500_page_renders_without_touching_the_database():
    request = RequestFactory().get("/")

    def refuse(*args):
        raise AssertionError("the 500 page queried the database")

    with connection.execute_wrapper(refuse):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert 'data-error-page="500"' in html
    assert "<header" in html
    assert 'href="/"' in html


def test_a_notification_of_a_deleted_study_opens_a_page_saying_so(alice, bob):
    study = make_study(alice, bob)
    [note] = Notification.objects.filter(recipient=bob, kind=Kind.REQUEST_ACCEPTED)
    services.study_delete(study=study, by=alice)
    client = logged_in(bob)
    response = client.post(f"/notifications/{note.pk}/open/", follow=True)
    html = response.content.decode()
    assert response.status_code == 404
    assert "This is no longer here" in html
    assert "/notifications/" in html
    # Said once: the same address typed again later is an ordinary 404.
    again = client.get(study.get_absolute_url()).content.decode()
    assert "This is no longer here" not in again
    assert "Page not found" in again


def test_a_notification_of_an_existing_study_opens_it(alice, bob):
    study = make_study(alice)
    join(study, bob)
    [note] = Notification.objects.filter(recipient=bob, kind=Kind.REQUEST_ACCEPTED)
    response = logged_in(bob).post(f"/notifications/{note.pk}/open/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == study.get_absolute_url()
