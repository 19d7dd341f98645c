"""The rules the data always obeys are database constraints, not only Python checks."""

import pytest
from django.db import IntegrityError, transaction

from studies.models import Bookmark, JoinRequest, Membership, Review, Study
from tests.studies.conftest import future, make_study

pytestmark = pytest.mark.django_db


def raises_integrity(function):
    with pytest.raises(IntegrityError), transaction.atomic():
        function()


def test_one_membership_per_user_and_study(study, carol):
    Membership.objects.create(study=study, user=carol)
    raises_integrity(lambda: Membership.objects.create(study=study, user=carol))


def test_one_pending_request_per_user_and_study(study, carol):
    JoinRequest.objects.create(study=study, user=carol)
    raises_integrity(lambda: JoinRequest.objects.create(study=study, user=carol))


def test_decided_requests_do_not_block_a_new_pending_one(study, carol):
    JoinRequest.objects.create(study=study, user=carol, status=JoinRequest.Status.REJECTED)
    JoinRequest.objects.create(study=study, user=carol, status=JoinRequest.Status.WITHDRAWN)
    JoinRequest.objects.create(study=study, user=carol)
    assert JoinRequest.objects.filter(study=study, user=carol).count() == 3


def test_one_review_per_study_reviewer_and_reviewee(study, bob, carol):
    Review.objects.create(study=study, reviewer=bob, reviewee=carol, score=4)
    raises_integrity(
        lambda: Review.objects.create(study=study, reviewer=bob, reviewee=carol, score=5)
    )
    Review.objects.create(study=study, reviewer=carol, reviewee=bob, score=5)


@pytest.mark.parametrize("score", [0, 6])
def test_review_score_is_1_to_5(study, bob, carol, score):
    raises_integrity(
        lambda: Review.objects.create(study=study, reviewer=bob, reviewee=carol, score=score)
    )


def test_nobody_reviews_themself(study, bob):
    raises_integrity(
        lambda: Review.objects.create(study=study, reviewer=bob, reviewee=bob, score=5)
    )


def test_one_bookmark_per_user_and_study(study, carol):
    Bookmark.objects.create(study=study, user=carol)
    raises_integrity(lambda: Bookmark.objects.create(study=study, user=carol))


@pytest.mark.parametrize("capacity", [1, 51])
def test_capacity_is_2_to_50(bob, capacity):
    raises_integrity(lambda: make_study(bob, capacity=capacity))


def test_study_cannot_end_before_it_starts(bob):
    raises_integrity(lambda: make_study(bob, start_date=future(10), end_date=future(9)))


def test_recruitment_closes_by_the_start(bob):
    raises_integrity(
        lambda: make_study(bob, start_date=future(10), recruitment_deadline=future(11))
    )


def test_status_is_one_of_the_choices(study):
    raises_integrity(lambda: Study.objects.filter(pk=study.pk).update(status="paused"))
