from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from studies import services


def future(days: int):
    return timezone.localdate() + timedelta(days=days)


def make_study(owner, *, title="Algorithms weekly", tags=("algorithms", "python"), **fields):
    values = {
        "description": "We solve **two problems** a week.",
        "start_date": future(14),
        "end_date": future(60),
        "recruitment_deadline": future(7),
        "capacity": 4,
    }
    values.update(fields)
    return services.study_create(owner=owner, title=title, tags=tags, **values)


def join(study, user, message="Hello"):
    """Make `user` a member through a request the owner accepts."""
    join_request = services.join_request_create(study=study, user=user, message=message)
    services.join_request_accept(join_request=join_request, by=study.owner)
    return join_request


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def carol(make_user):
    return make_user("carol", display_name="Carol")


@pytest.fixture
def dave(make_user):
    return make_user("dave", display_name="Dave")


@pytest.fixture
def study(bob):
    """Bob's recruiting study, with four seats of which Bob takes one."""
    return make_study(bob)


@pytest.fixture
def member_study(study, bob, carol):
    """Bob's study with Carol as a member."""
    join(study, carol)
    return study
