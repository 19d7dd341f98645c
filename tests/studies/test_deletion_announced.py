"""Deleting a study tells its members; withdrawing a request tells the owner."""

import pytest
from django.urls import reverse

from notifications.models import Kind, Notification
from studies import services
from studies.models import JoinRequest
from tests.studies.conftest import client_for, join, make_study

pytestmark = pytest.mark.django_db


def test_deleting_a_study_notifies_every_member_but_the_owner(bob, alice, carol, dave):
    study = make_study(bob, title="Graphs")
    join(study, alice)
    join(study, carol)
    services.study_delete(study=study, by=bob)
    notes = Notification.objects.filter(kind=Kind.STUDY_DELETED)
    assert sorted(n.recipient.username for n in notes) == ["alice", "carol"]
    for note in notes:
        assert "Graphs" in note.text
        assert note.actor == bob
        assert note.url == reverse("studies:explore")


def test_a_refused_deletion_notifies_nobody(bob, alice):
    study = make_study(bob)
    join(study, alice)
    with pytest.raises(services.NotAllowed):
        services.study_delete(study=study, by=alice)
    assert not Notification.objects.filter(kind=Kind.STUDY_DELETED).exists()


def test_withdrawing_a_request_notifies_the_owner(bob, alice):
    study = make_study(bob, title="Graphs")
    services.join_request_create(study=study, user=alice)
    response = client_for(alice).post(f"/studies/{study.pk}/withdraw/")
    assert response.status_code == 302
    [note] = Notification.objects.filter(kind=Kind.REQUEST_WITHDRAWN)
    assert (note.recipient, note.actor, note.url) == (bob, alice, study.get_absolute_url())
    assert JoinRequest.objects.get(user=alice).status == JoinRequest.Status.WITHDRAWN


def test_each_request_has_one_labelled_note_box(bob, alice, carol):
    study = make_study(bob)
    requests = [services.join_request_create(study=study, user=user) for user in (alice, carol)]
    html = client_for(bob).get(study.get_absolute_url()).content.decode()
    for join_request in requests:
        assert html.count(f'id="note-{join_request.pk}"') == 1
        assert f'<label for="note-{join_request.pk}"' in html
    assert html.count('name="note"') == 2


def test_the_decline_button_declines_with_the_note(bob, alice):
    study = make_study(bob)
    join_request = services.join_request_create(study=study, user=alice)
    html = client_for(bob).get(study.get_absolute_url()).content.decode()
    reject_url = reverse("studies:reject", args=[study.pk, join_request.pk])
    assert f'formaction="{reject_url}"' in html
    client_for(bob).post(reject_url, {"note": "Full this term"})
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decision_note) == ("rejected", "Full this term")
