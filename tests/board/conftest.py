"""A study owned by `owner`, joined by `member` and `member2`, and `outsider`, who is not in it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from board import services
from studies.services import join_request_accept, join_request_create, study_create


def make_study(owner, title="Algorithms"):
    today = timezone.localdate()
    return study_create(
        owner=owner,
        title=title,
        description="Weekly problems.",
        start_date=today + timedelta(days=7),
        end_date=today + timedelta(days=60),
        recruitment_deadline=today + timedelta(days=3),
        capacity=10,
    )


def join(study, user):
    request = join_request_create(study=study, user=user)
    join_request_accept(join_request=request, by=study.owner)


@pytest.fixture
def owner(make_user):
    return make_user("owner", display_name="Olivia Owner")


@pytest.fixture
def member(make_user):
    return make_user("member", display_name="Min Member")


@pytest.fixture
def member2(make_user):
    return make_user("member2", display_name="Mo Member")


@pytest.fixture
def outsider(make_user):
    return make_user("outsider", display_name="Otto Outsider")


@pytest.fixture
def study(owner, member, member2):
    study = make_study(owner)
    join(study, member)
    join(study, member2)
    return study


@pytest.fixture
def task(study, owner):
    return services.task_create(study=study, by=owner, title="Read chapter 3")


@pytest.fixture
def post(task, member):
    return services.post_create(
        task=task,
        author=member,
        title="My notes",
        body="**Dynamic programming** notes",
        files=[SimpleUploadedFile("notes.txt", b"hello notes", content_type="text/plain")],
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _media_in_tmp_and_fast_passwords(media, settings):
    """Keep every stored test file in a temporary directory; hash test passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
