"""Asking to join, withdrawing, and the owner's decision, with the notifications each sends."""

import pytest

from notifications.models import Kind, Notification
from studies import services
from studies.errors import (
    AlreadyMember,
    AlreadyRequested,
    NotAllowed,
    RecruitmentClosed,
    RequestNotPending,
    StudyFull,
)
from studies.models import JoinRequest, Membership, Study
from tests.studies.conftest import client_for, future, join, make_study

pytestmark = pytest.mark.django_db


def notifications_of(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind))


def test_asking_to_join_notifies_the_owner_with_a_link(study, alice, bob):
    response = client_for(alice).post(f"/studies/{study.pk}/join/", {"message": "Hi Bob!"})
    assert response.status_code == 302
    join_request = JoinRequest.objects.get(study=study, user=alice)
    assert join_request.message == "Hi Bob!"
    assert join_request.status == JoinRequest.Status.PENDING
    [notification] = notifications_of(bob, Kind.JOIN_REQUESTED)
    assert notification.url == study.get_absolute_url()
    assert notification.actor == alice


def test_an_over_long_message_is_a_form_error(study, alice):
    client = client_for(alice)
    response = client.post(f"/studies/{study.pk}/join/", {"message": "x" * 501}, follow=True)
    assert response.status_code == 200
    assert "at most 500 characters" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_no_request_twice_nor_from_a_member(study, alice, bob):
    services.join_request_create(study=study, user=alice)
    with pytest.raises(AlreadyRequested):
        services.join_request_create(study=study, user=alice)
    with pytest.raises(AlreadyMember):
        services.join_request_create(study=study, user=bob)


def test_no_request_after_the_deadline(study, alice):
    Study.objects.filter(pk=study.pk).update(recruitment_deadline=future(-1))
    study.refresh_from_db()
    with pytest.raises(RecruitmentClosed):
        services.join_request_create(study=study, user=alice)
    response = client_for(alice).post(f"/studies/{study.pk}/join/", follow=True)
    assert "not recruiting" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_no_request_when_full(bob, alice, carol):
    study = make_study(bob, capacity=2)
    join(study, carol)
    with pytest.raises(StudyFull):
        services.join_request_create(study=study, user=alice)


def test_no_request_once_in_progress(study, alice, bob):
    services.study_status_change(study=study, to=Study.Status.IN_PROGRESS, by=bob)
    with pytest.raises(RecruitmentClosed):
        services.join_request_create(study=study, user=alice)


def test_withdraw_a_pending_request(study, alice):
    services.join_request_create(study=study, user=alice)
    response = client_for(alice).post(f"/studies/{study.pk}/withdraw/")
    assert response.status_code == 302
    assert JoinRequest.objects.get().status == JoinRequest.Status.WITHDRAWN
    # Withdrawn, one may ask again.
    services.join_request_create(study=study, user=alice)


def test_withdraw_without_a_pending_request_is_404(study, alice, carol):
    services.join_request_create(study=study, user=alice)
    assert client_for(carol).post(f"/studies/{study.pk}/withdraw/").status_code == 404
    assert JoinRequest.objects.get().status == JoinRequest.Status.PENDING


def test_only_the_requester_withdraws(study, alice, bob):
    join_request = services.join_request_create(study=study, user=alice)
    with pytest.raises(NotAllowed):
        services.join_request_withdraw(join_request=join_request, by=bob)


def test_the_owner_sees_pending_requests_with_applicant_and_score(bob, alice, carol, dave):
    past = make_study(dave, title="Earlier study")
    join(past, alice)
    services.study_status_change(study=past, to=Study.Status.IN_PROGRESS, by=dave)
    services.review_create(study=past, reviewer=dave, reviewee=alice, score=4, text="Kind")
    alice.bio = "I like graphs."
    alice.save()
    study = make_study(bob)
    services.join_request_create(study=study, user=alice, message="Let me in")
    page = client_for(bob).get(study.get_absolute_url()).content.decode()
    assert "Let me in" in page
    assert "I like graphs." in page
    assert "★ 4.0 from 1 review" in page
    # Nobody else sees them.
    assert "Let me in" not in client_for(carol).get(study.get_absolute_url()).content.decode()


def test_accept_with_a_note_makes_a_member_and_notifies(study, alice, bob):
    join_request = services.join_request_create(study=study, user=alice)
    response = client_for(bob).post(
        f"/studies/{study.pk}/requests/{join_request.pk}/accept/", {"note": "Welcome!"}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(study=study, user=alice).exists()
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decision_note) == ("accepted", "Welcome!")
    [notification] = notifications_of(alice, Kind.REQUEST_ACCEPTED)
    assert notification.url == study.get_absolute_url()
    assert "Welcome!" in notification.text


def test_reject_with_a_note_notifies_the_requester(study, alice, bob):
    join_request = services.join_request_create(study=study, user=alice)
    client_for(bob).post(
        f"/studies/{study.pk}/requests/{join_request.pk}/reject/", {"note": "Full, sorry"}
    )
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decision_note) == ("rejected", "Full, sorry")
    assert not Membership.objects.filter(study=study, user=alice).exists()
    [notification] = notifications_of(alice, Kind.REQUEST_REJECTED)
    assert notification.url == study.get_absolute_url()
    assert "Full, sorry" in notification.text


def test_a_decided_request_cannot_be_decided_again(study, alice, bob):
    join_request = services.join_request_create(study=study, user=alice)
    services.join_request_reject(join_request=join_request, by=bob)
    with pytest.raises(RequestNotPending):
        services.join_request_accept(join_request=join_request, by=bob)
    response = client_for(bob).post(
        f"/studies/{study.pk}/requests/{join_request.pk}/accept/", follow=True
    )
    assert "already been decided" in response.content.decode()


def test_accept_never_exceeds_capacity(bob, alice, carol):
    study = make_study(bob, capacity=2)
    first = services.join_request_create(study=study, user=alice)
    second = services.join_request_create(study=study, user=carol)
    services.join_request_accept(join_request=first, by=bob)
    with pytest.raises(StudyFull):
        services.join_request_accept(join_request=second, by=bob)
    assert study.memberships.count() == 2


def test_an_over_long_note_is_a_form_error(study, alice, bob):
    join_request = services.join_request_create(study=study, user=alice)
    client_for(bob).post(
        f"/studies/{study.pk}/requests/{join_request.pk}/reject/", {"note": "x" * 501}
    )
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_a_request_of_another_study_is_404(study, alice, bob):
    other = make_study(alice, title="Alice's")
    join_request = services.join_request_create(study=other, user=bob)
    response = client_for(bob).post(f"/studies/{study.pk}/requests/{join_request.pk}/accept/")
    assert response.status_code == 404
    assert client_for(bob).post(f"/studies/{study.pk}/requests/999999/accept/").status_code == 404
