"""TURN credentials: coturn's REST scheme, the members-only renewal endpoint, a real coturn."""

import subprocess
import time

import pytest
from django.test import Client

from rtc.ice import ice_config_for, turn_credentials
from tests.rtc.conftest import make_study
from tests.rtc.coturn import CoturnProcess

SECRET = "north-wind"


def test_credentials_follow_coturns_rest_scheme():
    username, credential = turn_credentials(user_id=42, secret=SECRET, ttl=600, now=1700000000)
    assert username == "1700000600:42"
    # printf %s "1700000600:42" | openssl dgst -binary -sha1 -hmac north-wind | base64
    assert credential == "NztVZCgnXpeQIl+kKHqjrQMgRRs="


def test_without_turn_settings_the_call_uses_host_candidates_only(settings):
    settings.TURN_URLS = []
    settings.STUN_URLS = []
    assert ice_config_for(7) == {
        "ice_servers": [],
        "ice_transport_policy": "all",
        "expires_at": None,
    }


def test_ice_servers_carry_short_lived_credentials_and_never_the_secret(settings):
    settings.STUN_URLS = ["stun:stun.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
    settings.TURN_SECRET = SECRET
    settings.TURN_CREDENTIAL_TTL = 900
    before = int(time.time())
    config = ice_config_for(7)
    stun, turn = config["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    assert turn["urls"] == settings.TURN_URLS
    expiry, user_id = turn["username"].split(":")
    assert user_id == "7"
    assert before + 900 <= int(expiry) <= int(time.time()) + 900
    assert config["expires_at"] == int(expiry)
    assert (
        turn["credential"] == turn_credentials(user_id=7, secret=SECRET, ttl=0, now=int(expiry))[1]
    )
    assert SECRET not in str(config)


@pytest.fixture
def study(alice, bob):
    return make_study(alice, bob)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_renewal_endpoint_is_for_members_only(settings, study, alice, bob, make_user):
    settings.TURN_URLS = ["turn:turn.example.org:3478"]
    settings.TURN_SECRET = SECRET
    url = f"/studies/{study.pk}/call/ice/"
    outsider = make_user("mallory")

    assert client_for(None).get(url).status_code == 401
    assert client_for(outsider).get(url).status_code == 403
    assert client_for(bob).get(f"/studies/{study.pk + 1000}/call/ice/").status_code == 404
    assert client_for(bob).post(url).status_code == 405

    response = client_for(bob).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["ice_servers"][0]["username"].endswith(f":{bob.pk}")
    assert SECRET not in response.content.decode()


def uclient(port: int, username: str, password: str) -> subprocess.CompletedProcess:
    """Allocate a relay and exchange a few packets through it (client-to-client mode)."""
    return subprocess.run(
        ["turnutils_uclient", "-y", "-n", "2", "-m", "1", "-p", str(port)]
        + ["-u", username, "-w", password, "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_coturn_accepts_app_credentials_and_refuses_wrong_or_expired_ones(tmp_path):
    coturn = CoturnProcess(tmp_path, SECRET)
    coturn.start()
    try:
        username, credential = turn_credentials(user_id=42, secret=SECRET, ttl=600)
        accepted = uclient(coturn.port, username, credential)
        assert accepted.returncode == 0, accepted.stdout + accepted.stderr

        _, other_secrets = turn_credentials(user_id=42, secret="not-the-secret", ttl=600)
        wrong = uclient(coturn.port, username, other_secrets)
        assert wrong.returncode != 0
        assert "Cannot complete Allocation" in wrong.stdout + wrong.stderr

        expired_name, expired_credential = turn_credentials(user_id=42, secret=SECRET, ttl=-60)
        expired = uclient(coturn.port, expired_name, expired_credential)
        assert expired.returncode != 0
        assert "Cannot complete Allocation" in expired.stdout + expired.stderr
    finally:
        coturn.stop()
