"""studies.access: the member gate answers what the user is to the study and the study's
heading from one query."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from studies.access import member_access, members_only
from studies.selectors import Access, study_access_and_heading
from tests.studies.conftest import join

pytestmark = pytest.mark.django_db


def test_access_and_heading_come_together(study, bob, carol, alice):
    join(study, carol)
    with CaptureQueriesContext(connection) as queries:
        found = {
            user.username: study_access_and_heading(study_id=study.pk, user_id=user.pk)
            for user in (bob, carol, alice)
        }
    assert len(queries) == 3
    assert {name: access for name, (access, _) in found.items()} == {
        "bob": Access.OWNER,
        "carol": Access.MEMBER,
        "alice": Access.OUTSIDER,
    }
    heading = found["alice"][1]
    assert (heading.pk, heading.title, heading.owner_id) == (study.pk, study.title, bob.pk)
    # The rest of the study is not read; asked for, it is read then (like .only()).
    assert heading.get_deferred_fields() >= {"description", "capacity"}
    assert study_access_and_heading(study_id=study.pk + 1000, user_id=bob.pk) == (
        Access.NO_STUDY,
        None,
    )


def test_the_gate_gives_the_view_its_access_and_the_heading(study, bob, carol, alice):
    join(study, carol)
    seen = {}

    @members_only
    def view(request, study_id, *, access):
        seen.update(access=access, heading=request.study_heading)
        return "ok"

    request = RequestFactory().get("/")
    request.user = carol
    with CaptureQueriesContext(connection) as queries:
        assert view(request, study.pk) == "ok"
    assert len(queries) == 1
    assert seen["access"] is Access.MEMBER
    assert (seen["heading"].pk, seen["heading"].title) == (study.pk, study.title)

    request.user = alice
    with pytest.raises(PermissionDenied):
        view(request, study.pk)
    with pytest.raises(Http404):
        member_access(carol, study.pk + 1000)
    with pytest.raises(PermissionDenied):
        member_access(carol, study.pk, owner=True)
