"""Which language a page speaks: Accept-Language, then the switcher, then the user's profile."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def page_language(response) -> str:
    html = response.content.decode()
    if '<html lang="ko">' in html:
        assert "둘러보기" in html  # the header's "Explore"
        return "ko"
    assert '<html lang="en">' in html
    assert "Explore" in html
    return "en"


def test_a_browser_asking_for_korean_gets_korean(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.8")
    assert page_language(response) == "ko"
    assert response["Content-Language"] == "ko"
    assert "함께 공부해요, 한곳에서." in response.content.decode()


def test_no_accept_language_or_an_unknown_one_gets_english(client):
    assert page_language(client.get("/")) == "en"
    assert page_language(client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")) == "en"
    assert page_language(client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,ko;q=0.5")) == "en"


def test_an_anonymous_visitor_switches_and_the_choice_outlasts_accept_language(client):
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/studies/"})
    assert response.status_code == 302
    assert response["Location"] == "/studies/"
    assert client.cookies[COOKIE].value == "ko"
    assert page_language(client.get("/studies/", HTTP_ACCEPT_LANGUAGE="en")) == "ko"

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert page_language(client.get("/", HTTP_ACCEPT_LANGUAGE="ko")) == "en"


def test_the_switcher_is_on_every_page_and_posts_with_csrf(client, alice):
    html = client.get("/accounts/login/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'value="ko"' in html and "한국어" in html
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post("/i18n/setlang/", {"language": "ko"}).status_code == 403
    assert client.get("/i18n/setlang/?language=ko").status_code == 405
    client.force_login(alice)
    assert "한국어" in client.get("/notifications/").content.decode()


def test_a_logged_in_switch_is_remembered_on_the_profile_and_applied_at_log_in(client, alice):
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == "ko"

    # Another device, whose browser asks for English and has no language cookie.
    other = Client()
    other.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    response = other.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    assert page_language(response) == "ko"
    # Remembered in the cookie too, so the pages after logging out stay Korean.
    assert other.cookies[COOKIE].value == "ko"
    other.post("/accounts/logout/")
    assert page_language(other.get("/", HTTP_ACCEPT_LANGUAGE="en")) == "ko"


def test_the_profile_wins_over_a_switch_made_before_logging_in(client, alice):
    alice.language = "en"
    alice.save()
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert page_language(client.get("/")) == "en"


def test_the_first_log_in_keeps_the_language_the_user_was_reading(client, alice):
    alice.language = ""
    alice.save()
    client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    alice.refresh_from_db()
    assert alice.language == "ko"


def test_a_language_we_do_not_speak_changes_nothing(client, alice):
    alice.language = "en"
    alice.save()
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == "en"
    assert page_language(client.get("/")) == "en"


def test_form_errors_speak_the_pages_language(client):
    response = client.post(
        "/accounts/login/", {"username": "nobody", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert response.status_code == 200
    # Django's own Korean for "Please enter a correct username and password."
    assert "올바른" in response.content.decode()


def test_the_language_is_also_on_the_profile_form(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/profile/",
        {"display_name": "앨리스", "bio": "", "timezone": "Asia/Seoul", "language": "ko"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "ko"
    assert page_language(client.get(response["Location"])) == "ko"
    response = client.post(
        "/accounts/profile/",
        {"display_name": "앨리스", "bio": "", "timezone": "Asia/Seoul", "language": "fr"},
    )
    assert response.status_code == 200
    assert "language" in response.context["form"].errors


def test_signing_up_on_a_korean_page_keeps_korean_and_welcomes_in_korean(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "jiwoo",
            "email": "jiwoo@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "timezone": "Asia/Seoul",
        },
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert response.status_code == 302
    user = User.objects.get(username="jiwoo")
    assert user.language == "ko"
    assert user.notifications.get().text.startswith("Cohort에 오신 걸 환영해요!")
