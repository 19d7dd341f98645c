"""config.prepared and the header's unread counts it runs (config/context_processors.py)."""

import pytest
from django.test import RequestFactory

from accounts.models import User
from config import context_processors
from config.prepared import PreparedQuery
from messaging.selectors import unread_total_for
from messaging.services import message_send
from notifications.models import Kind
from notifications.selectors import unread_count_for
from notifications.services import notify

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

    with pytest.raises(ValueError, match="does not use the value"):
        query.rows(1)
