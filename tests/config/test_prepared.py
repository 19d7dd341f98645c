"""config.prepared, and the header's unread counts it runs (config/context_processors.py)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from config import context_processors
from config.prepared import (
    DATE_MARKER,
    IDS_MAX,
    INT_MARKERS,
    TIME_MARKER,
    PreparedByIds,
    PreparedQuery,
)
from messaging.selectors import unread_total_for
from messaging.services import message_send
from notifications.models import Kind
from notifications.selectors import unread_count_for
from notifications.services import notify
from studies import services
from studies.models import Membership, Review, Study
from tests.studies.conftest import join, make_study

pytestmark = pytest.mark.django_db


def header_counts(user) -> dict:
    request = RequestFactory().get("/")
    request.user = user
    return context_processors.unread_counts(request)


def test_the_header_counts_are_each_users_own(alice, bob, make_user):
    carol = make_user("carol")
    notify(users=[alice, bob], kind=Kind.ANNOUNCEMENT, text="One", url="/")
    notify(users=[alice], kind=Kind.ANNOUNCEMENT, text="Two", url="/")
    for n in range(3):
        message_send(sender=bob, recipient_id=alice.pk, body=f"hi {n}", client_id=f"c{n}")
    message_send(sender=alice, recipient_id=carol.pk, body="hello", client_id="c9")

    for user in (alice, bob, carol):
        assert header_counts(user) == {
            "unread_notifications": unread_count_for(user),
            "unread_messages": unread_total_for(user),
        }
    assert header_counts(alice)["unread_messages"] == 3
    assert header_counts(carol)["unread_messages"] == 1
    assert header_counts(bob)["unread_messages"] == 0
    # Alice has the two announcements and a notification of Bob's messages on top of Bob's.
    assert header_counts(alice)["unread_notifications"] > header_counts(bob)["unread_notifications"]


def test_anonymous_visitors_get_no_counts():
    from django.contrib.auth.models import AnonymousUser

    assert header_counts(AnonymousUser()) == {}


def test_a_prepared_query_is_built_once_and_run_with_each_value(alice, bob):
    built = []

    def usernames(user_id):
        built.append(user_id)
        return User.objects.filter(pk=user_id).values_list("username")

    query = PreparedQuery(usernames)

    assert query.rows(alice.pk) == [("alice",)]
    assert query.rows(bob.pk) == [("bob",)]
    assert query.rows(-1) == []
    assert len(built) == 1


def test_a_query_that_ignores_its_value_is_refused():
    query = PreparedQuery(lambda user_id: User.objects.filter(is_active=True).values_list("pk"))

    with pytest.raises(ValueError, match="does not use every value"):
        query.rows(1)


def test_a_query_that_ignores_one_of_its_values_is_refused(alice):
    query = PreparedQuery(
        lambda user_id, other_id: User.objects.filter(pk=user_id).values_list("pk"),
        markers=INT_MARKERS[:2],
    )

    with pytest.raises(ValueError, match="does not use every value"):
        query.rows(alice.pk, alice.pk)


def fields_of(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_prepared_instances_are_the_querysets_own_with_related_objects_and_annotations(
    alice, bob, make_user
):
    carol = make_user("carol", display_name="Carol")
    study = make_study(bob, title="Graphs", tags=("graphs",))
    join(study, alice)
    join(study, carol)
    study.status = Study.Status.IN_PROGRESS
    study.save(update_fields=["status"])
    services.review_create(study=study, reviewer=alice, reviewee=carol, score=4)
    built = []

    def members(study_id, viewer_id):
        built.append((study_id, viewer_id))
        reviewed = Review.objects.filter(
            study_id=study_id, reviewer_id=viewer_id, reviewee=OuterRef("user")
        )
        return (
            Membership.objects.filter(study_id=study_id)
            .select_related("user")
            .annotate(reviewed_by_me=Exists(reviewed), reviews=Count("user__reviews_received"))
        )

    query = PreparedQuery(members, markers=INT_MARKERS[:2])

    for viewer in (alice, bob, carol):
        expected = list(members(study.pk, viewer.pk))
        got = query.objects(study.pk, viewer.pk)
        assert [type(m) for m in got] == [Membership] * 3
        assert [fields_of(m) for m in got] == [fields_of(m) for m in expected]
        assert [fields_of(m.user) for m in got] == [fields_of(m.user) for m in expected]
        assert [(m.reviewed_by_me, m.reviews) for m in got] == [
            (m.reviewed_by_me, m.reviews) for m in expected
        ]
        # The related user came with the row: reading it asks nothing more.
        with CaptureQueriesContext(connection) as queries:
            assert sorted(m.user.username for m in got) == ["alice", "bob", "carol"]
        assert not queries.captured_queries
        # Loaded from the database, as the ORM's own: saved as an update, not an insert.
        assert not got[0]._state.adding
    reviewed = {m.user.username: m.reviewed_by_me for m in query.objects(study.pk, alice.pk)}
    assert reviewed == {"alice": False, "bob": False, "carol": True}
    assert query.objects(study.pk + 1000, alice.pk) == []
    assert len(built) == 1 + 3  # once compiled, then once per expected list above


def test_times_and_dates_are_values_too(alice, bob):
    now = timezone.now()
    soon = make_study(bob, title="Soon", recruitment_deadline=timezone.localdate() + timedelta(2))
    later = make_study(bob, title="Later", recruitment_deadline=timezone.localdate() + timedelta(9))
    query = PreparedQuery(
        lambda since, deadline: Study.objects.filter(
            created_at__gte=since, recruitment_deadline__gte=deadline
        ).order_by("pk"),
        markers=(TIME_MARKER, DATE_MARKER),
    )

    today = timezone.localdate()
    assert [s.title for s in query.objects(now - timedelta(minutes=1), today)] == [
        "Soon",
        "Later",
    ]
    assert [s.title for s in query.objects(now - timedelta(minutes=1), today + timedelta(5))] == [
        "Later"
    ]
    assert query.objects(now + timedelta(minutes=1), today) == []
    # Values come back as the ORM gives them: aware datetimes and dates.
    got = query.objects(now - timedelta(minutes=1), today)[0]
    assert got.created_at == soon.created_at and got.created_at.tzinfo is not None
    assert got.recruitment_deadline == soon.recruitment_deadline
    assert later.pk


def test_a_missing_value_is_refused_rather_than_matching_nothing(alice):
    query = PreparedQuery(lambda user_id: User.objects.filter(pk=user_id).values_list("pk"))

    with pytest.raises(TypeError, match="cannot be None"):
        query.rows(None)
    with pytest.raises(ValueError):
        query.rows(alice.pk, alice.pk)
    assert query.rows(alice.pk) == [(alice.pk,)]


def test_rows_and_instances_are_asked_of_the_right_kind_of_query(alice):
    listed = PreparedQuery(lambda user_id: User.objects.filter(pk=user_id).values_list("pk"))
    with pytest.raises(TypeError, match="rows, not model instances"):
        listed.objects(alice.pk)

    prefetching = PreparedQuery(
        lambda user_id: Study.objects.filter(owner_id=user_id).prefetch_related("tags")
    )
    with pytest.raises(ValueError, match="cannot prefetch"):
        prefetching.objects(alice.pk)


def test_rows_by_id_come_in_the_order_asked_once_compiled_per_number_of_ids(alice, bob, make_user):
    carol = make_user("carol")
    built = []

    def users(ids, hidden_id):
        built.append(len(ids))
        return User.objects.filter(pk__in=ids).exclude(pk=hidden_id)

    query = PreparedByIds(users, markers=(INT_MARKERS[0],))

    assert [u.username for u in query.objects([bob.pk, alice.pk], carol.pk)] == ["bob", "alice"]
    assert [u.username for u in query.objects([alice.pk, bob.pk], carol.pk)] == ["alice", "bob"]
    # Ids that are not there, or not in the query's reach, are left out; repeats count once.
    assert [u.username for u in query.objects([carol.pk, bob.pk, -5], carol.pk)] == ["bob"]
    assert [u.username for u in query.objects([carol.pk, carol.pk], bob.pk)] == ["carol"]
    assert query.objects([], carol.pk) == []
    assert built == [2, 3, 1]

    with pytest.raises(ValueError, match=f"At most {IDS_MAX} ids"):
        query.objects(list(range(1, IDS_MAX + 2)), carol.pk)


def test_plain_rows_by_id_come_in_the_order_asked(alice, bob, make_user):
    carol = make_user("carol")
    query = PreparedByIds(
        lambda ids, hidden_id: (
            User.objects.filter(pk__in=ids).exclude(pk=hidden_id).values_list("pk", "username")
        ),
        markers=(INT_MARKERS[0],),
    )

    assert query.rows([bob.pk, alice.pk], carol.pk) == [(bob.pk, "bob"), (alice.pk, "alice")]
    assert query.rows([carol.pk, alice.pk, alice.pk, -5], carol.pk) == [(alice.pk, "alice")]
    assert query.rows([], carol.pk) == []
    with pytest.raises(ValueError, match=f"At most {IDS_MAX} ids"):
        query.rows(list(range(1, IDS_MAX + 2)), carol.pk)
