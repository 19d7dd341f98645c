"""Who may do what: every view for anonymous, outsider, member and owner, both sides."""

import pytest
from django.test import Client

from studies import services
from studies.models import JoinRequest, Membership, Study
from tests.studies.conftest import client_for, join

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "member", "owner"]


@pytest.fixture
def world(study, bob, carol, alice, dave):
    """Bob owns the study, Carol is a member, Alice an outsider, Dave has a pending request."""
    join(study, carol)
    pending = services.join_request_create(study=study, user=dave, message="Please")
    users = {"anonymous": None, "outsider": alice, "member": carol, "owner": bob}
    return {"study": study, "pending": pending, "users": users, "carol": carol, "dave": dave}


def as_role(world, role) -> Client:
    return client_for(world["users"][role])


def test_the_study_page_is_public_but_shows_each_role_its_own_actions(world):
    url = world["study"].get_absolute_url()
    pages = {role: as_role(world, role).get(url) for role in ROLES}
    assert {role: page.status_code for role, page in pages.items()} == dict.fromkeys(ROLES, 200)
    html = {role: page.content.decode() for role, page in pages.items()}
    assert "Log in to ask to join" in html["anonymous"]
    assert 'action="/studies/{}/join/"'.format(world["study"].pk) in html["outsider"]
    for role in ("anonymous", "outsider"):
        assert 'id="study-panel-chat"' not in html[role]
        assert "data-calendar-url" not in html[role]
        assert "Leave this study" not in html[role]
        assert "Pending requests" not in html[role]
    for role in ("member", "owner"):
        assert 'id="study-panel-chat"' in html[role]
        assert 'id="study-panel-board"' in html[role]
        assert 'id="study-panel-call"' in html[role]
        assert "data-calendar-url" in html[role]
    assert "Leave this study" in html["member"]
    assert "Leave this study" not in html["owner"]
    assert "Pending requests" in html["owner"]
    assert "Pending requests" not in html["member"]
    assert "Run the study" in html["owner"]
    assert "Run the study" not in html["member"]


@pytest.mark.parametrize("path", ["/studies/", "/studies/999999/"])
def test_public_and_unknown_pages(world, path):
    expected = 200 if path == "/studies/" else 404
    for role in ROLES:
        assert as_role(world, role).get(path).status_code == expected


@pytest.mark.parametrize("path", ["/studies/new/", "/studies/mine/", "/studies/bookmarks/"])
def test_personal_pages_need_a_login(world, path):
    response = as_role(world, "anonymous").get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    for role in ("outsider", "member", "owner"):
        assert as_role(world, role).get(path).status_code == 200


def owner_actions(world):
    """Return (path, data, was_done) for each owner-only state change."""
    study, pending, carol = world["study"], world["pending"], world["carol"]
    base = f"/studies/{study.pk}"

    def status_of_pending():
        return JoinRequest.objects.get(pk=pending.pk).status

    return [
        (f"{base}/requests/{pending.pk}/accept/", {}, lambda: status_of_pending() == "accepted"),
        (f"{base}/requests/{pending.pk}/reject/", {}, lambda: status_of_pending() == "rejected"),
        (
            f"{base}/status/",
            {"status": "in_progress"},
            lambda: Study.objects.get(pk=study.pk).status == "in_progress",
        ),
        (
            f"{base}/members/{carol.pk}/remove/",
            {},
            lambda: not Membership.objects.filter(study=study, user=carol).exists(),
        ),
        (
            f"{base}/transfer/",
            {"user_id": carol.pk},
            lambda: Study.objects.get(pk=study.pk).owner_id == carol.pk,
        ),
        (f"{base}/delete/", {}, lambda: not Study.objects.filter(pk=study.pk).exists()),
    ]


@pytest.mark.parametrize("action", range(6))
@pytest.mark.parametrize("role", ["anonymous", "outsider", "member"])
def test_owner_actions_are_refused_to_everyone_else(world, role, action):
    path, data, was_done = owner_actions(world)[action]
    response = as_role(world, role).post(path, data)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403
    assert not was_done()


@pytest.mark.parametrize("action", range(6))
def test_owner_actions_are_done_for_the_owner(world, action):
    path, data, was_done = owner_actions(world)[action]
    response = as_role(world, "owner").post(path, data)
    assert response.status_code == 302
    assert was_done()


@pytest.mark.parametrize("action", range(6))
def test_owner_actions_on_an_unknown_study_are_404(world, action):
    path, data, _done = owner_actions(world)[action]
    unknown = path.replace(f"/studies/{world['study'].pk}/", "/studies/999999/")
    assert as_role(world, "owner").post(unknown, data).status_code == 404


@pytest.mark.parametrize(
    "suffix",
    [
        "join/",
        "withdraw/",
        "requests/1/accept/",
        "requests/1/reject/",
        "status/",
        "leave/",
        "members/1/remove/",
        "members/1/review/",
        "transfer/",
        "bookmark/",
    ],
)
def test_state_changes_are_post_only(world, suffix):
    path = f"/studies/{world['study'].pk}/{suffix}"
    for role in ROLES:
        assert as_role(world, role).get(path).status_code == 405


def test_the_delete_page_asks_the_owner_only(world):
    path = f"/studies/{world['study'].pk}/delete/"
    assert as_role(world, "anonymous").get(path).status_code == 302
    assert as_role(world, "outsider").get(path).status_code == 403
    assert as_role(world, "member").get(path).status_code == 403
    assert as_role(world, "owner").get(path).status_code == 200
    assert Study.objects.filter(pk=world["study"].pk).exists()


def test_leave_is_for_members_and_not_the_owner(world):
    study, carol = world["study"], world["carol"]
    path = f"/studies/{study.pk}/leave/"
    assert as_role(world, "anonymous").post(path).status_code == 302
    assert as_role(world, "outsider").post(path).status_code == 403
    owner_response = as_role(world, "owner").post(path, follow=True)
    assert "The owner cannot leave" in owner_response.content.decode()
    assert Membership.objects.filter(study=study, user__username="bob").exists()
    response = as_role(world, "member").post(path)
    assert response.status_code == 302
    assert response["Location"] == "/studies/mine/"
    assert not Membership.objects.filter(study=study, user=carol).exists()


def test_join_needs_a_login_and_a_known_study(world):
    study = world["study"]
    response = as_role(world, "anonymous").post(f"/studies/{study.pk}/join/")
    assert response["Location"].startswith("/accounts/login/")
    assert as_role(world, "outsider").post("/studies/999999/join/").status_code == 404
    as_role(world, "outsider").post(f"/studies/{study.pk}/join/")
    assert JoinRequest.objects.filter(study=study, user__username="alice").exists()


def test_a_member_cannot_ask_to_join(world):
    response = as_role(world, "member").post(f"/studies/{world['study'].pk}/join/", follow=True)
    assert "already a member" in response.content.decode()
    assert not JoinRequest.objects.filter(user=world["carol"], status="pending").exists()


def test_removing_an_unknown_user_is_404_and_a_non_member_is_refused(world):
    study = world["study"]
    owner = as_role(world, "owner")
    assert owner.post(f"/studies/{study.pk}/members/999999/remove/").status_code == 404
    response = owner.post(f"/studies/{study.pk}/members/{world['dave'].pk}/remove/", follow=True)
    assert "not a member" in response.content.decode()


def test_transfer_to_a_non_member_or_bad_id_is_refused(world):
    study = world["study"]
    owner = as_role(world, "owner")
    owner.post(f"/studies/{study.pk}/transfer/", {"user_id": world["dave"].pk})
    owner.post(f"/studies/{study.pk}/transfer/", {"user_id": "abc"})
    assert owner.post(f"/studies/{study.pk}/transfer/", {"user_id": 999999}).status_code == 404
    assert Study.objects.get(pk=study.pk).owner.username == "bob"


def test_an_unknown_status_is_refused(world):
    study = world["study"]
    as_role(world, "owner").post(f"/studies/{study.pk}/status/", {"status": "paused"})
    as_role(world, "owner").post(f"/studies/{study.pk}/status/", {"status": "completed"})
    assert Study.objects.get(pk=study.pk).status == "recruiting"
