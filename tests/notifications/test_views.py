"""The notifications page and its actions over plain HTTP (for clients without JS)."""

import pytest

from notifications.models import Kind, Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


def make_notifications(user, count):
    for number in range(count):
        notify(users=[user], kind=Kind.ANNOUNCEMENT, text=f"n{number}", url="/studies/1/")


def test_list_is_paginated_newest_first_and_shows_only_ones_own(client, alice, bob):
    make_notifications(alice, 25)
    make_notifications(bob, 1)
    client.force_login(alice)
    first = client.get("/notifications/")
    assert [n.text for n in first.context["page"].object_list][:2] == ["n24", "n23"]
    assert len(first.context["page"].object_list) == 20
    second = client.get("/notifications/?page=2")
    assert len(second.context["page"].object_list) == 6  # 5 + the welcome notification
    assert all(n.recipient == alice for n in second.context["page"].object_list)
    assert client.get("/notifications/?page=abc").status_code == 200


def test_list_needs_login(client):
    assert client.get("/notifications/").status_code == 302


def test_mark_read_and_go_back(client, alice):
    make_notifications(alice, 1)
    target = Notification.objects.get(text="n0")
    client.force_login(alice)
    response = client.post(f"/notifications/{target.pk}/read/", {"next": "/notifications/?page=1"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?page=1"
    target.refresh_from_db()
    assert target.is_read


def test_mark_read_never_redirects_off_site(client, alice):
    make_notifications(alice, 1)
    target = Notification.objects.get(text="n0")
    client.force_login(alice)
    response = client.post(f"/notifications/{target.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"


def test_open_marks_read_and_follows_the_link(client, alice):
    make_notifications(alice, 1)
    target = Notification.objects.get(text="n0")
    client.force_login(alice)
    response = client.post(f"/notifications/{target.pk}/open/")
    assert response["Location"] == "/studies/1/"
    target.refresh_from_db()
    assert target.is_read


def test_someone_elses_notification_is_404_and_stays_unread(client, alice, bob):
    make_notifications(bob, 1)
    target = Notification.objects.get(text="n0")
    client.force_login(alice)
    assert client.post(f"/notifications/{target.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{target.pk}/open/").status_code == 404
    assert client.post("/notifications/999999/read/").status_code == 404
    target.refresh_from_db()
    assert not target.is_read


def test_read_all_marks_only_ones_own(client, alice, bob):
    make_notifications(alice, 3)
    make_notifications(bob, 2)
    client.force_login(alice)
    assert client.post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 3


@pytest.mark.parametrize("path", ["/notifications/read-all/", "/notifications/1/read/"])
def test_state_changes_are_post_only(client, alice, path):
    client.force_login(alice)
    assert client.get(path).status_code == 405


def test_state_changes_need_the_csrf_token(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/notifications/read-all/").status_code == 403
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == 1


def test_header_badge_shows_the_unread_count(client, alice):
    make_notifications(alice, 2)
    client.force_login(alice)
    assert client.get("/").context["unread_notifications"] == 3
