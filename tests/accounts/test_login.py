import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_log_in_and_out(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == alice
    assert client.post("/accounts/logout/").status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_a_wrong_password_does_not_say_which_part_was_wrong(client, alice):
    wrong_password = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    no_such_user = client.post("/accounts/login/", {"username": "zed", "password": "nope"})
    assert wrong_password.status_code == no_such_user.status_code == 200
    assert wrong_password.context["form"].errors == no_such_user.context["form"].errors


def test_pages_for_members_send_anonymous_visitors_to_log_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/notifications/"


def test_password_change_notifies_and_keeps_this_session(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-password-17",
            "new_password2": "another-long-password-17",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another-long-password-17")
    assert alice.notifications.filter(kind="password_changed").count() == 1
    assert client.get("/notifications/").status_code == 200


def test_password_change_with_a_wrong_old_password_changes_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "wrong",
            "new_password1": "another-long-password-17",
            "new_password2": "another-long-password-17",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
