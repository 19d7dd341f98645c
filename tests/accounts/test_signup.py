import pytest

from accounts.models import User
from notifications.models import Kind, Notification
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signup(client, **overrides):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "timezone": "Asia/Seoul",
    }
    data.update(overrides)
    return client.post("/accounts/signup/", data)


def test_sign_up_creates_the_account_logs_in_and_welcomes(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.email == "newcomer@example.com"
    assert user.timezone == "Asia/Seoul"
    assert user.check_password(PASSWORD)
    assert client.get("/").context["user"] == user
    assert Notification.objects.get(recipient=user).kind == Kind.WELCOME


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "something-else-entirely"}, "password2", "The two password fields"),
        ({"password1": "12345678", "password2": "12345678"}, "password2", "too common"),
        ({"password1": "short", "password2": "short"}, "password2", "too short"),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"username": "has space"}, "username", "Enter a valid username."),
        ({"username": "x" * 151}, "username", "at most 150 characters"),
    ],
)
def test_sign_up_errors_are_shown_on_the_form(client, overrides, field, message):
    response = signup(client, **overrides)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.filter(username=overrides.get("username", "newcomer")).exists()


def test_a_taken_username_is_a_form_error(client, alice):
    response = signup(client, username="alice")
    assert response.status_code == 200
    assert "already exists" in " ".join(response.context["form"].errors["username"])


def test_an_unknown_time_zone_falls_back_to_utc(client):
    signup(client, timezone="Mars/Olympus")
    assert User.objects.get(username="newcomer").timezone == "UTC"
