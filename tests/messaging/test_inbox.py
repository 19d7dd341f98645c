"""The inbox: most recent first, last message, unread counts, in a constant number of queries."""

import pytest
from django.test import Client
from django.urls import reverse

from messaging.services import conversation_mark_read, message_delete
from tests.messaging.helpers import send

pytestmark = pytest.mark.django_db


def inbox_of(user):
    client = Client()
    client.force_login(user)
    return client.get(reverse("messaging:inbox"))


def test_inbox_lists_conversations_newest_first_with_preview_and_unread(alice, bob, make_user):
    carol = make_user("carol", display_name="Carol")
    send(bob, alice, "old from bob")
    send(carol, alice, "carol one")
    send(carol, alice, "carol two")
    latest = send(bob, alice, "new from bob")
    send(alice, bob, "my answer")
    response = inbox_of(alice)
    rows = list(response.context["page"].object_list)
    assert [row.other_person.username for row in rows] == ["bob", "carol"]
    assert [(row.last_body, row.unread) for row in rows] == [("my answer", 2), ("carol two", 2)]
    assert "You:" in response.text

    conversation_mark_read(user=alice, conversation=latest.conversation)
    message_delete(user=carol, message_id=rows[1].last_message_id)
    rows = list(inbox_of(alice).context["page"].object_list)
    assert [row.unread for row in rows] == [0, 1]
    assert rows[1].last_deleted_at is not None


def test_conversations_without_messages_are_not_listed(alice, bob):
    client = Client()
    client.force_login(alice)
    client.post(reverse("messaging:start", args=["bob"]))
    assert list(inbox_of(alice).context["page"].object_list) == []


def make_conversations(owner, make_user, count: int, offset: int) -> None:
    for number in range(count):
        other = make_user(f"user{offset + number}")
        send(other, owner, "hello")
        send(owner, other, "hi back")


def count_inbox_queries(user, django_assert_max_num_queries, limit: int) -> int:
    client = Client()
    client.force_login(user)
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(reverse("messaging:inbox"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_inbox_query_count_does_not_grow_with_conversations(
    alice, make_user, django_assert_max_num_queries
):
    make_conversations(alice, make_user, 2, offset=0)
    with_two = count_inbox_queries(alice, django_assert_max_num_queries, 8)
    make_conversations(alice, make_user, 18, offset=2)
    assert len(inbox_of(alice).context["page"].object_list) == 20
    with_twenty = count_inbox_queries(alice, django_assert_max_num_queries, with_two)
    assert with_twenty == with_two
