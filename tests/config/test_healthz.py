import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthy_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failing": []}
    assert "no-cache" in response["Cache-Control"]


def test_names_redis_when_it_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["redis"]}


def test_names_redis_when_one_shard_of_the_channel_layer_does_not_answer(client, settings, caplog):
    settings.CHANNEL_REDIS_URLS = [settings.REDIS_URL, "redis://:hunter2@127.0.0.1:1/0"]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["redis"]}
    assert "redis://:***@127.0.0.1:1/0" in caplog.text
    assert "hunter2" not in caplog.text


def test_names_the_database_when_it_does_not_answer(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("config.health.connection.cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["database"]}


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
