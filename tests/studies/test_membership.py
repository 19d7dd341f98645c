"""Status moves, leaving, removal, ownership transfer and deletion, with their notifications."""

from unittest import mock

import pytest

from notifications.models import Kind, Notification
from realtime.groups import study_group
from studies import services
from studies.errors import BadTransition, NotAllowed
from studies.models import JoinRequest, Membership, Study
from tests.studies.conftest import client_for, future, join, make_study

pytestmark = pytest.mark.django_db


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_status_moves_forward_and_tells_the_members(member_study, bob, carol):
    services.study_status_change(study=member_study, to=Study.Status.IN_PROGRESS, by=bob)
    services.study_status_change(study=member_study, to=Study.Status.COMPLETED, by=bob)
    member_study.refresh_from_db()
    assert member_study.status == Study.Status.COMPLETED
    notes = Notification.objects.filter(recipient=carol, kind=Kind.STUDY_STATUS_CHANGED)
    assert [n.url for n in notes] == [member_study.get_absolute_url()] * 2
    assert Kind.STUDY_STATUS_CHANGED not in kinds_for(bob)


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ([], Study.Status.COMPLETED),
        ([], Study.Status.RECRUITING),
        ([Study.Status.IN_PROGRESS], Study.Status.IN_PROGRESS),
        ([Study.Status.IN_PROGRESS, Study.Status.COMPLETED], Study.Status.RECRUITING),
        ([Study.Status.IN_PROGRESS, Study.Status.COMPLETED], Study.Status.IN_PROGRESS),
    ],
)
def test_status_cannot_skip_or_go_back_from_completed(study, bob, path, to):
    for step in path:
        services.study_status_change(study=study, to=step, by=bob)
    with pytest.raises(BadTransition):
        services.study_status_change(study=study, to=to, by=bob)


def test_recruitment_reopens_while_in_progress_when_seats_are_free(study, bob, alice):
    services.study_status_change(study=study, to=Study.Status.IN_PROGRESS, by=bob)
    services.study_status_change(study=study, to=Study.Status.RECRUITING, by=bob)
    study.refresh_from_db()
    assert study.status == Study.Status.RECRUITING
    request = services.join_request_create(study=study, user=alice)
    assert list(JoinRequest.objects.filter(study=study, status=JoinRequest.Status.PENDING)) == [
        request
    ]


def test_recruitment_does_not_reopen_when_full_or_past_the_deadline(bob, carol, alice):
    full = make_study(bob, capacity=2)
    join(full, carol)
    services.study_status_change(study=full, to=Study.Status.IN_PROGRESS, by=bob)
    with pytest.raises(BadTransition):
        services.study_status_change(study=full, to=Study.Status.RECRUITING, by=bob)
    late = make_study(bob, title="Late")
    services.study_status_change(study=late, to=Study.Status.IN_PROGRESS, by=bob)
    Study.objects.filter(pk=late.pk).update(recruitment_deadline=future(-1))
    with pytest.raises(BadTransition):
        services.study_status_change(study=late, to=Study.Status.RECRUITING, by=bob)


def test_only_the_owner_changes_the_status(member_study, carol):
    with pytest.raises(NotAllowed):
        services.study_status_change(study=member_study, to=Study.Status.IN_PROGRESS, by=carol)


def test_the_owner_sees_only_the_next_statuses(study, bob):
    page = client_for(bob).get(study.get_absolute_url()).content.decode()
    assert 'value="in_progress"' in page
    assert 'value="completed"' not in page


def test_leaving_tells_the_owner_a_seat_is_free(member_study, bob, carol):
    services.member_leave(study=member_study, user=carol)
    assert not Membership.objects.filter(study=member_study, user=carol).exists()
    note = Notification.objects.get(recipient=bob, kind=Kind.MEMBER_LEFT)
    assert "a seat is free" in note.text
    assert note.url == member_study.get_absolute_url()


def test_removal_tells_the_removed_member_and_the_owner(
    member_study, bob, carol, django_capture_on_commit_callbacks
):
    with (
        mock.patch("realtime.sender.send") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.member_remove(study=member_study, user=carol, by=bob)
    send.assert_any_call(
        study_group(member_study.pk), {"type": "study.access_revoked", "user_id": carol.pk}
    )
    assert Kind.MEMBER_REMOVED in kinds_for(carol)
    assert Kind.MEMBER_REMOVED in kinds_for(bob)
    # A freed seat is not filled by itself.
    assert member_study.memberships.count() == 1


def test_removal_happens_only_after_commit(
    member_study, bob, carol, django_capture_on_commit_callbacks
):
    with (
        mock.patch("realtime.sender.send") as send,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        services.member_remove(study=member_study, user=carol, by=bob)
    send.assert_not_called()
    assert callbacks


def test_the_owner_cannot_be_removed(member_study, bob):
    with pytest.raises(NotAllowed):
        services.member_remove(study=member_study, user=bob, by=bob)


def test_ownership_transfer_tells_the_new_owner_and_the_others(member_study, bob, carol, alice):
    join(member_study, alice)
    services.ownership_transfer(study=member_study, to=carol, by=bob)
    member_study.refresh_from_db()
    assert member_study.owner == carol
    assert Kind.OWNERSHIP_TRANSFERRED in kinds_for(carol)
    assert Kind.OWNERSHIP_TRANSFERRED in kinds_for(alice)
    assert Kind.OWNERSHIP_TRANSFERRED not in kinds_for(bob)
    # The former owner is now a member who may leave.
    services.member_leave(study=member_study, user=bob)


def test_ownership_goes_only_to_a_member(study, bob, alice):
    with pytest.raises(NotAllowed):
        services.ownership_transfer(study=study, to=alice, by=bob)


def test_deletion_closes_the_study_sockets_on_commit(
    member_study, bob, carol, django_capture_on_commit_callbacks
):
    study_id = member_study.pk
    with (
        mock.patch("realtime.sender.send") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(bob).post(f"/studies/{study_id}/delete/")
    assert response.status_code == 302
    send.assert_any_call(study_group(study_id), {"type": "study.deleted"})
    assert not Study.objects.filter(pk=study_id).exists()
    assert client_for(carol).get(f"/studies/{study_id}/").status_code == 404


def test_only_the_owner_deletes(member_study, carol):
    with pytest.raises(NotAllowed):
        services.study_delete(study=member_study, by=carol)
