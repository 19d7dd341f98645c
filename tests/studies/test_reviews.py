"""Reviews: members only, once per pair and study, once the study has started."""

import pytest

from notifications.models import Kind, Notification
from studies import services
from studies.errors import AlreadyReviewed, NotAllowed, ReviewsClosed
from studies.models import Review, Study
from tests.studies.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(member_study, bob):
    services.study_status_change(study=member_study, to=Study.Status.IN_PROGRESS, by=bob)
    return member_study


def review_url(study, user) -> str:
    return f"/studies/{study.pk}/members/{user.pk}/review/"


def test_a_member_reviews_a_fellow_member_once(running, bob, carol):
    response = client_for(carol).post(review_url(running, bob), {"score": "4", "text": "Great"})
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.reviewer, review.reviewee, review.score, review.text) == (carol, bob, 4, "Great")
    note = Notification.objects.get(recipient=bob, kind=Kind.REVIEW_RECEIVED)
    assert note.url == f"/u/{bob.username}/#reviews"
    with pytest.raises(AlreadyReviewed):
        services.review_create(study=running, reviewer=carol, reviewee=bob, score=5)
    client_for(carol).post(review_url(running, bob), {"score": "5"})
    assert Review.objects.count() == 1


def test_the_review_form_lists_only_members_not_yet_reviewed(running, bob, carol):
    page = client_for(carol).get(running.get_absolute_url()).content.decode()
    assert f'data-review-form="{bob.pk}"' in page
    assert f'data-review-form="{carol.pk}"' not in page
    services.review_create(study=running, reviewer=carol, reviewee=bob, score=3)
    page = client_for(carol).get(running.get_absolute_url()).content.decode()
    assert "data-review-form" not in page


def test_no_reviews_while_recruiting(member_study, bob, carol):
    with pytest.raises(ReviewsClosed):
        services.review_create(study=member_study, reviewer=carol, reviewee=bob, score=5)
    assert (
        "data-review-form"
        not in client_for(carol).get(member_study.get_absolute_url()).content.decode()
    )


def test_reviews_stay_open_once_completed(running, bob, carol):
    services.study_status_change(study=running, to=Study.Status.COMPLETED, by=bob)
    review = services.review_create(study=running, reviewer=bob, reviewee=carol, score=5)
    assert Review.objects.get() == review
    assert (review.study, review.reviewer, review.reviewee, review.score) == (
        running,
        bob,
        carol,
        5,
    )


def test_nobody_reviews_themself(running, carol):
    with pytest.raises(NotAllowed):
        services.review_create(study=running, reviewer=carol, reviewee=carol, score=5)


def test_outsiders_neither_review_nor_are_reviewed(running, bob, alice):
    with pytest.raises(NotAllowed):
        services.review_create(study=running, reviewer=alice, reviewee=bob, score=1)
    with pytest.raises(NotAllowed):
        services.review_create(study=running, reviewer=bob, reviewee=alice, score=1)
    assert client_for(alice).post(review_url(running, bob), {"score": "1"}).status_code == 403
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{"score": "0"}, {"score": "6"}, {"score": "five"}, {}, {"score": "3", "text": "x" * 2001}],
)
def test_bad_review_input_is_a_form_error(running, bob, carol, data):
    response = client_for(carol).post(review_url(running, bob), data, follow=True)
    assert response.status_code == 200
    assert not Review.objects.exists()


def test_reviewing_an_unknown_user_is_404(running, carol):
    assert (
        client_for(carol).post(f"/studies/{running.pk}/members/999999/review/").status_code == 404
    )
