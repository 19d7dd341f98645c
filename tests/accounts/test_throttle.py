"""Log-in and sign-up throttling (accounts/throttle.py): limits, lock-out expiry, messages."""

import pytest
from django.test import Client
from django.utils import translation

from accounts import throttle
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


class Clock:
    def __init__(self):
        self.now = 1_900_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    settings.LOGIN_LOCKOUT_S = 900
    settings.SIGNUP_ATTEMPTS_PER_ADDRESS = 3
    settings.SIGNUP_WINDOW_S = 3600
    clock = Clock()
    for limit in (
        throttle.ACCOUNT_FAILURES,
        throttle.DEVICE_FAILURES,
        throttle.ADDRESS_FAILURES,
        throttle.SIGNUP_ATTEMPTS,
    ):
        monkeypatch.setattr(limit, "clock", clock)
    return clock


def at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(alice):
    attacker = at("203.0.113.9")
    for _ in range(5):
        assert log_in(attacker, "alice", "wrong").status_code == 200
    refused = log_in(attacker, "alice", PASSWORD)
    assert refused.status_code == 429
    # The limiter counts in 15 s buckets (a sixtieth of the window).
    assert 885 <= int(refused["Retry-After"]) <= 900
    assert "Too many attempts. Please try again in 15 minutes." in refused.content.decode()
    assert not refused.wsgi_request.user.is_authenticated
    # From another address too: the account's count is shared.
    assert log_in(at("198.51.100.7"), "alice", PASSWORD).status_code == 429


def test_four_wrong_passwords_still_let_the_right_one_in(alice):
    client = at("203.0.113.9")
    for _ in range(4):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_the_lock_out_expires(alice, clock):
    client = at("203.0.113.9")
    for _ in range(5):
        log_in(client, "alice", "wrong")
    wait = int(log_in(client, "alice", PASSWORD)["Retry-After"])
    clock.now += wait - 30
    refused = log_in(client, "alice", PASSWORD)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 30
    assert "try again in 1 minute." in refused.content.decode()
    clock.now += 30
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_an_unknown_account_is_counted_and_answered_the_same(alice):
    def run(username):
        client = at("203.0.113.9" if username == "alice" else "203.0.113.10")
        answers = [log_in(client, username, "wrong") for _ in range(6)]
        return [r.status_code for r in answers], answers[-2], answers[-1]

    known, unknown = run("alice"), run("nobody")
    assert known[0] == unknown[0] == [200] * 5 + [429]
    assert known[1].context["form"].errors == unknown[1].context["form"].errors
    assert known[2]["Retry-After"] == unknown[2]["Retry-After"]
    assert known[2].context["lockout"] == unknown[2].context["lockout"]


def test_case_and_spacing_variants_share_the_account_count(alice):
    client = at("203.0.113.9")
    for username in ["alice", "ALICE", "Alice", "alice ", "aLiCe"]:
        log_in(client, username, "wrong")
    assert log_in(client, "alice", PASSWORD).status_code == 429


def test_one_address_is_locked_after_failing_on_many_accounts(make_user):
    make_user("victim")
    client = at("203.0.113.9")
    for number in range(20):
        assert log_in(client, f"user{number}", "wrong").status_code == 200
    assert log_in(client, "victim", PASSWORD).status_code == 429
    # Another person, at another address, is not affected.
    assert log_in(at("198.51.100.7"), "victim", PASSWORD).status_code == 302


def test_an_ipv6_address_counts_with_its_network(make_user):
    make_user("victim")
    for number in range(20):
        log_in(at(f"2001:db8:1:2::{number + 1:x}"), f"user{number}", "wrong")
    assert log_in(at("2001:db8:1:2::ffff"), "victim", PASSWORD).status_code == 429
    assert log_in(at("2001:db8:1:3::1"), "victim", PASSWORD).status_code == 302


def test_x_forwarded_for_is_not_trusted(alice):
    for number in range(5):
        Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}").post(
            LOGIN, {"username": f"u{number}", "password": "wrong"}
        )
    assert throttle.ADDRESS_FAILURES.blocked_for("10.0.0.1") is None
    for number in range(15):
        log_in(at("203.0.113.9"), f"v{number}", "wrong")
    assert throttle.ADDRESS_FAILURES.blocked_for("203.0.113.9") is not None


def test_the_owners_usual_browser_still_logs_in_while_the_account_is_locked(alice):
    owner = at("198.51.100.7")
    assert log_in(owner, "alice", PASSWORD).status_code == 302
    assert owner.post("/accounts/logout/").status_code == 302
    attacker = at("203.0.113.9")
    for _ in range(5):
        log_in(attacker, "alice", "wrong")
    assert log_in(attacker, "alice", PASSWORD).status_code == 429
    assert log_in(at("198.51.100.8"), "alice", PASSWORD).status_code == 429
    # The device cookie exempts that browser from the shared count...
    assert log_in(owner, "alice", PASSWORD).status_code == 302
    owner.post("/accounts/logout/")
    # ...but it has a count of its own, and only for that account.
    for _ in range(5):
        assert log_in(owner, "alice", "wrong").status_code == 200
    assert log_in(owner, "alice", PASSWORD).status_code == 429


def test_a_forged_device_cookie_is_ignored(alice):
    attacker = at("203.0.113.9")
    for _ in range(5):
        log_in(attacker, "alice", "wrong")
    attacker.cookies[throttle.DEVICE_COOKIE] = f"{throttle.account_key('alice')}:made-up"
    assert log_in(attacker, "alice", PASSWORD).status_code == 429


def test_a_password_change_of_a_logged_in_session_is_not_throttled(alice):
    for _ in range(5):
        log_in(at("203.0.113.9"), "alice", "wrong")
    client = at("203.0.113.9")
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


def test_the_message_is_translated():
    with translation.override("ko"):
        assert throttle.wait_message(61) == translation.ngettext(
            "Too many attempts. Please try again in %(minutes)d minute.",
            "Too many attempts. Please try again in %(minutes)d minutes.",
            2,
        ) % {"minutes": 2}
    assert throttle.wait_message(0.5) == "Too many attempts. Please try again in 1 minute."
    assert throttle.wait_message(120) == "Too many attempts. Please try again in 2 minutes."


def signup(client: Client, number: int):
    return client.post(
        "/accounts/signup/",
        {
            "username": f"newcomer{number}",
            "email": f"newcomer{number}@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_sign_ups_are_limited_per_address(clock):
    for number in range(3):
        assert signup(at("203.0.113.9"), number).status_code == 302
    refused = signup(at("203.0.113.9"), 3)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 3540 <= wait <= 3600
    assert "Too many attempts. Please try again in 60 minutes." in refused.content.decode()
    assert signup(at("198.51.100.7"), 4).status_code == 302
    clock.now += wait - 1
    assert signup(at("203.0.113.9"), 5).status_code == 429
    clock.now += 1
    assert signup(at("203.0.113.9"), 6).status_code == 302
