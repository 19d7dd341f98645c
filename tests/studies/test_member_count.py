"""The member count on cards and the open-seats filter follow joins, leaves, removals."""

import pytest

from accounts.models import User
from studies import services
from studies.selectors import explore_studies, studies_for_listing
from tests.studies.conftest import join, make_study

pytestmark = pytest.mark.django_db


def members(study) -> int:
    return studies_for_listing().get(pk=study.pk).member_total


def test_the_count_follows_every_change_of_membership(bob, alice, carol, dave):
    study = make_study(bob, capacity=3)
    assert members(study) == 1
    join(study, alice)
    join(study, carol)
    assert members(study) == 3
    assert [s.title for s in explore_studies(open_seats=True)] == []
    services.member_leave(study=study, user=alice)
    assert members(study) == 2
    assert [s.title for s in explore_studies(open_seats=True)] == [study.title]
    services.member_remove(study=study, user=carol, by=bob)
    assert members(study) == 1
    join(study, dave)
    User.objects.filter(pk=dave.pk).delete()
    assert members(study) == 1
