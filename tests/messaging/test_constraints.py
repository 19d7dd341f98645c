"""The rules the database itself keeps, whatever code writes to it."""

import pytest
from django.db import IntegrityError

from messaging.models import Block, Conversation, Message
from messaging.services import conversation_get_or_create


def test_a_pair_is_stored_once_and_ordered(alice, bob):
    conversation_get_or_create(user=bob, other=alice)
    with pytest.raises(IntegrityError):
        Conversation.objects.create(user_low=alice, user_high=bob)


def test_the_lower_id_comes_first(alice, bob):
    with pytest.raises(IntegrityError):
        Conversation.objects.create(user_low=bob, user_high=alice)


def test_a_client_id_is_used_once_per_sender(alice, bob):
    conversation = conversation_get_or_create(user=alice, other=bob)
    Message.objects.create(conversation=conversation, sender=alice, body="a", client_id="c")
    Message.objects.create(conversation=conversation, sender=bob, body="b", client_id="c")
    with pytest.raises(IntegrityError):
        Message.objects.create(conversation=conversation, sender=alice, body="c", client_id="c")


@pytest.mark.parametrize("body", ["", "x" * 4001])
def test_an_empty_or_overlong_body_is_refused(alice, bob, body):
    conversation = conversation_get_or_create(user=alice, other=bob)
    with pytest.raises(IntegrityError):
        Message.objects.create(conversation=conversation, sender=alice, body=body, client_id="c")


def test_nobody_blocks_themselves_or_twice(alice, bob):
    Block.objects.create(blocker=alice, blocked=bob)
    with pytest.raises(IntegrityError):
        Block.objects.create(blocker=alice, blocked=bob)


def test_no_self_block(alice):
    with pytest.raises(IntegrityError):
        Block.objects.create(blocker=alice, blocked=alice)
