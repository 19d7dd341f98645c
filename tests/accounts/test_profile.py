from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.django_db


def test_profile_is_public_and_shows_bio(client, alice):
    alice.bio = "I like graphs."
    alice.save()
    response = client.get("/u/alice/")
    assert response.status_code == 200
    assert "I like graphs." in response.content.decode()


def test_unknown_or_inactive_profile_is_404(client, alice):
    assert client.get("/u/nobody/").status_code == 404
    alice.is_active = False
    alice.save()
    assert client.get("/u/alice/").status_code == 404


def test_profile_edit_changes_only_ones_own_profile(client, alice, bob):
    client.force_login(bob)
    response = client.post(
        "/accounts/profile/",
        {"display_name": "Robert", "bio": "Hi", "timezone": "Europe/Paris", "username": "alice"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    alice.refresh_from_db()
    assert (bob.display_name, bob.bio, bob.timezone) == ("Robert", "Hi", "Europe/Paris")
    assert alice.display_name == "Alice"
    assert alice.username == "alice"


def test_profile_edit_needs_a_login(client):
    response = client.post("/accounts/profile/", {"display_name": "Mallory"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_edit_errors(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/profile/", {"display_name": "x" * 61, "bio": "", "timezone": "Nowhere/Land"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"display_name", "timezone"}


def test_dates_render_in_the_users_time_zone(client, alice):
    alice.timezone = "Asia/Seoul"
    alice.save()
    client.force_login(alice)
    created = alice.notifications.get().created_at
    html = client.get("/notifications/").content.decode()
    assert f'datetime="{created.astimezone(ZoneInfo("Asia/Seoul")).isoformat()}"' in html
    assert f'datetime="{created.isoformat()}"' not in html
