"""The HTTP side: inbox, conversation page, sending without JavaScript, blocking, privacy."""

import pytest
from django.test import Client
from django.urls import reverse

from messaging.models import Block, Conversation, Message
from messaging.selectors import unread_total_for
from messaging.services import block_create, conversation_get_or_create, message_delete
from tests.messaging.helpers import send

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def carol(make_user):
    return make_user("carol", display_name="Carol")


def conversation_url(conversation_id: int) -> str:
    return reverse("messaging:conversation", args=[conversation_id])


def test_pages_need_a_login(alice, bob):
    message = send(alice, bob)
    anonymous = Client()
    for url in (
        reverse("messaging:inbox"),
        conversation_url(message.conversation_id),
        reverse("messaging:history", args=[message.conversation_id]),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    response = anonymous.post(
        reverse("messaging:send", args=[message.conversation_id]), {"body": "x", "client_id": "a"}
    )
    assert response.status_code == 302
    assert Message.objects.count() == 1


def test_an_outsider_can_neither_open_nor_read_nor_write_a_conversation(alice, bob, carol):
    message = send(alice, bob, "between alice and bob")
    conversation_id = message.conversation_id
    outsider = client_for(carol)
    assert outsider.get(conversation_url(conversation_id)).status_code == 404
    history = outsider.get(reverse("messaging:history", args=[conversation_id]))
    assert history.status_code == 404
    assert b"between alice and bob" not in history.content
    assert "between alice and bob" not in outsider.get(reverse("messaging:inbox")).text
    for url, data in (
        (reverse("messaging:send", args=[conversation_id]), {"body": "hi", "client_id": "z"}),
        (reverse("messaging:read", args=[conversation_id]), {}),
        (reverse("messaging:delete", args=[conversation_id, message.pk]), {}),
    ):
        assert outsider.post(url, data).status_code == 404
    assert Message.objects.get().body == "between alice and bob"
    assert Message.objects.count() == 1


def test_participants_see_the_history_with_seen_state(alice, bob):
    first = send(alice, bob, "first")
    send(bob, alice, "reply")
    conversation = first.conversation
    page = client_for(alice).get(conversation_url(conversation.pk))
    assert page.status_code == 200
    assert "first" in page.text
    assert "reply" in page.text
    assert page.context["seen_message_id"] == 0
    assert page.context["unread"] == 1

    client_for(bob).post(reverse("messaging:read", args=[conversation.pk]))
    page = client_for(alice).get(conversation_url(conversation.pk))
    assert page.context["seen_message_id"] == first.pk


def test_history_is_paged_by_keyset(alice, bob, settings):
    settings.MESSAGING_PAGE_SIZE = 3
    messages = [send(alice, bob, f"m{number}") for number in range(7)]
    conversation_id = messages[0].conversation_id
    client = client_for(bob)

    page = client.get(conversation_url(conversation_id))
    assert [m.body for m in page.context["history"]] == ["m4", "m5", "m6"]
    assert page.context["more"] is True
    older = client.get(conversation_url(conversation_id), {"before": messages[4].pk})
    assert [m.body for m in older.context["history"]] == ["m1", "m2", "m3"]

    history_url = reverse("messaging:history", args=[conversation_id])
    oldest = client.get(history_url, {"before": messages[1].pk}).json()
    assert [m["body"] for m in oldest["messages"]] == ["m0"]
    assert oldest["more"] is False


def test_sending_through_the_form_without_javascript(alice, bob):
    conversation = conversation_get_or_create(user=alice, other=bob)
    client = client_for(alice)
    url = reverse("messaging:send", args=[conversation.pk])
    response = client.post(url, {"body": "  posted by form  ", "client_id": "form-1"})
    assert response.status_code == 302
    assert response["Location"] == conversation_url(conversation.pk) + "#latest"
    # Submitting the same form twice sends one message.
    client.post(url, {"body": "  posted by form  ", "client_id": "form-1"})
    assert list(Message.objects.values_list("body", "sender")) == [("posted by form", alice.pk)]
    assert unread_total_for(bob) == 1


@pytest.mark.parametrize(
    ("body", "client_id"), [("", "a"), ("   ", "a"), ("x" * 4001, "a"), ("hi", "")]
)
def test_a_bad_form_is_answered_with_an_error_not_a_message(alice, bob, body, client_id):
    conversation = conversation_get_or_create(user=alice, other=bob)
    response = client_for(alice).post(
        reverse("messaging:send", args=[conversation.pk]), {"body": body, "client_id": client_id}
    )
    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_the_form_is_rate_limited_too(alice, bob, settings):
    settings.MESSAGING_RATE_LIMIT = 2
    conversation = conversation_get_or_create(user=alice, other=bob)
    client = client_for(alice)
    url = reverse("messaging:send", args=[conversation.pk])
    for number in range(2):
        assert client.post(url, {"body": "hi", "client_id": f"r{number}"}).status_code == 302
    response = client.post(url, {"body": "hi", "client_id": "r3"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Message.objects.count() == 2


def test_start_a_conversation_from_a_profile(alice, bob):
    client = client_for(alice)
    profile = client.get(reverse("profile", args=["bob"]))
    assert reverse("messaging:start", args=["bob"]) in profile.text
    response = client.post(reverse("messaging:start", args=["bob"]))
    conversation = Conversation.objects.get()
    assert response["Location"] == conversation_url(conversation.pk)
    # Again: the same conversation.
    client.post(reverse("messaging:start", args=["bob"]))
    assert Conversation.objects.count() == 1


def test_no_message_button_on_ones_own_profile_nor_for_anonymous_visitors(alice):
    start = reverse("messaging:start", args=["alice"])
    assert start not in client_for(alice).get(reverse("profile", args=["alice"])).text
    assert start not in Client().get(reverse("profile", args=["alice"])).text
    client_for(alice).post(start)
    assert Conversation.objects.count() == 0


def test_start_is_post_only_and_needs_a_known_user(alice):
    client = client_for(alice)
    assert client.get(reverse("messaging:start", args=["bob"])).status_code == 405
    assert client.post(reverse("messaging:start", args=["nobody"])).status_code == 404


def test_deleting_through_the_form_leaves_a_tombstone(alice, bob):
    message = send(alice, bob, "regret")
    url = reverse("messaging:delete", args=[message.conversation_id, message.pk])
    assert client_for(bob).post(url).status_code == 404
    assert client_for(alice).post(url).status_code == 302
    message.refresh_from_db()
    assert message.deleted_at is not None
    page = client_for(bob).get(conversation_url(message.conversation_id))
    assert "regret" not in page.text
    assert "This message was deleted." in page.text


def test_blocking_hides_the_conversation_from_the_blocked_user_as_unavailable(alice, bob):
    message = send(bob, alice, "hello")
    conversation_id = message.conversation_id
    alice_client = client_for(alice)
    response = alice_client.post(
        reverse("messaging:block", args=["bob"]), {"next": conversation_url(conversation_id)}
    )
    assert response["Location"] == conversation_url(conversation_id)
    assert Block.objects.filter(blocker=alice, blocked=bob).exists()

    bob_client = client_for(bob)
    page = bob_client.get(conversation_url(conversation_id))
    assert "This conversation is unavailable." in page.text
    assert "hello" not in page.text
    assert "block" not in page.text.lower().replace("data-unblock", "")
    assert bob_client.get(reverse("messaging:history", args=[conversation_id])).status_code == 404
    assert conversation_url(conversation_id) not in bob_client.get(reverse("messaging:inbox")).text
    refused = bob_client.post(
        reverse("messaging:send", args=[conversation_id]), {"body": "hi?", "client_id": "b1"}
    )
    assert refused.status_code == 400
    assert Message.objects.count() == 1

    # The blocker still sees the conversation, with the way back.
    page = alice_client.get(conversation_url(conversation_id))
    assert "hello" in page.text
    assert reverse("messaging:unblock", args=["bob"]) in page.text

    alice_client.post(reverse("messaging:unblock", args=["bob"]))
    assert not Block.objects.exists()
    assert "hello" in bob_client.get(conversation_url(conversation_id)).text


def test_unread_total_leaves_out_deleted_read_and_hidden_messages(alice, bob, carol):
    send(alice, bob, "one")
    deleted = send(alice, bob, "two")
    send(carol, bob, "from carol")
    send(bob, alice, "bob's own")
    assert unread_total_for(bob) == 3
    message_delete(user=alice, message_id=deleted.pk)
    assert unread_total_for(bob) == 2
    block_create(blocker=carol, blocked=bob)
    assert unread_total_for(bob) == 1
    client_for(bob).post(reverse("messaging:read", args=[deleted.conversation_id]))
    assert unread_total_for(bob) == 0


def test_header_badge_shows_the_unread_total(alice, bob):
    send(alice, bob, "one")
    send(alice, bob, "two")
    page = client_for(bob).get(reverse("home"))
    assert page.context["unread_messages"] == 2
    assert "data-dm-badge" in page.text


def test_block_and_unblock_are_post_only_and_no_self_block(alice):
    client = client_for(alice)
    assert client.get(reverse("messaging:block", args=["alice"])).status_code == 405
    client.post(reverse("messaging:block", args=["alice"]))
    assert not Block.objects.exists()


def test_a_deactivated_account_is_unavailable_like_a_block(alice, bob):
    message = send(bob, alice, "before leaving")
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    client = client_for(alice)
    page = client.get(conversation_url(message.conversation_id))
    assert "This conversation is unavailable." in page.text
    assert "before leaving" not in page.text
    assert unread_total_for(alice) == 0


def test_block_and_unblock_from_a_profile_even_when_blocked_back(alice, bob):
    client = client_for(alice)
    profile_url = reverse("profile", args=["bob"])
    assert reverse("messaging:block", args=["bob"]) in client.get(profile_url).text
    response = client.post(reverse("messaging:block", args=["bob"]), {"next": profile_url})
    assert response["Location"] == profile_url
    block_create(blocker=bob, blocked=alice)

    page = client.get(profile_url).text
    assert reverse("messaging:unblock", args=["bob"]) in page
    assert reverse("messaging:block", args=["bob"]) not in page
    client.post(reverse("messaging:unblock", args=["bob"]), {"next": profile_url})
    assert list(Block.objects.values_list("blocker", "blocked")) == [(bob.pk, alice.pk)]


def test_the_next_address_after_blocking_stays_on_this_site(alice, bob):
    response = client_for(alice).post(
        reverse("messaging:block", args=["bob"]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("profile", args=["bob"])
