"""seed_demo adds the demo studies once; running it again changes nothing."""

import io

import pytest
from django.core.management import call_command

from studies.models import JoinRequest, Membership, Review, Study

pytestmark = pytest.mark.django_db


def counts():
    return (
        Study.objects.count(),
        Membership.objects.count(),
        JoinRequest.objects.filter(status="pending").count(),
        Review.objects.count(),
    )


def test_seed_demo_creates_studies_in_each_state_once():
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    assert set(Study.objects.values_list("status", flat=True)) == {
        "recruiting",
        "in_progress",
        "completed",
    }
    assert first[2] >= 2
    assert first[3] >= 1
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
