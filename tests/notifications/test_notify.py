"""notify(): one row per recipient, pushed live only after the transaction commits."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from notifications.models import Kind, Notification
from notifications.services import notify
from realtime.groups import user_group

pytestmark = pytest.mark.django_db(transaction=True)


async def subscribe(user) -> str:
    """Put a bare channel in the user's group, as a socket of theirs would be."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(user_group(user.pk), channel)
    return channel


async def receive(channel: str, timeout: float = 2):
    try:
        return await asyncio.wait_for(get_channel_layer().receive(channel), timeout)
    except TimeoutError:
        return None


async def test_one_row_per_distinct_recipient_and_one_event_each(alice, bob):
    alice_channel, bob_channel = await subscribe(alice), await subscribe(bob)

    created = await database_sync_to_async(notify)(
        users=[alice, bob, alice], kind=Kind.ANNOUNCEMENT, text="Hi", url="/x/", actor=bob
    )

    assert len(created) == 2
    assert await recipients_of(Kind.ANNOUNCEMENT) == {"alice", "bob"}
    event = await receive(alice_channel)
    assert event["type"] == "notification.new"
    assert event["notification"]["text"] == "Hi"
    assert event["notification"]["actor"] == {"id": bob.pk, "name": "Bob"}
    assert event["unread"] == 2  # the welcome notification and this one
    assert (await receive(bob_channel))["notification"]["url"] == "/x/"
    assert await receive(alice_channel, timeout=0.3) is None


@database_sync_to_async
def recipients_of(kind) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@database_sync_to_async
def notify_then_roll_back(user) -> bool:
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(users=[user], kind=Kind.ANNOUNCEMENT, text="Never", url="/x/")
        raise RuntimeError("rolled back")
    return Notification.objects.filter(text="Never").exists()


async def test_nothing_is_pushed_when_the_transaction_rolls_back(alice):
    channel = await subscribe(alice)
    assert await notify_then_roll_back(alice) is False
    assert await receive(channel, timeout=0.5) is None


async def test_the_push_waits_for_the_commit(alice):
    # A pub/sub receive that times out unsubscribes its channel: probe with a second one.
    probe, channel = await subscribe(alice), await subscribe(alice)
    loop = asyncio.get_running_loop()
    seen_before_commit = []

    def notify_in_a_transaction():
        with transaction.atomic():
            notify(users=[alice], kind=Kind.ANNOUNCEMENT, text="Later", url="/x/")
            pending = asyncio.run_coroutine_threadsafe(receive(probe, timeout=0.3), loop)
            seen_before_commit.append(pending.result())

    await database_sync_to_async(notify_in_a_transaction)()
    assert seen_before_commit == [None]
    assert (await receive(channel))["notification"]["text"] == "Later"


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_links_must_be_local_paths(alice, url):
    with pytest.raises(ValueError):
        notify(users=[alice], kind=Kind.ANNOUNCEMENT, text="x", url=url)


def test_unknown_kinds_are_refused(alice):
    with pytest.raises(ValueError):
        notify(users=[alice], kind="made_up", text="x", url="/x/")


def test_long_texts_are_shortened_not_refused(alice):
    (created,) = notify(users=[alice], kind=Kind.ANNOUNCEMENT, text="y" * 500, url="/x/")
    created.refresh_from_db()
    assert len(created.text) == 300
    assert created.text.endswith("…")


def test_query_count_does_not_grow_with_recipients(make_user, django_assert_max_num_queries):
    few = [make_user(f"few{i}") for i in range(2)]
    many = [make_user(f"many{i}") for i in range(20)]
    with django_assert_max_num_queries(4) as few_queries:
        notify(users=few, kind=Kind.ANNOUNCEMENT, text="x", url="/x/")
    with django_assert_max_num_queries(len(few_queries.captured_queries)):
        notify(users=many, kind=Kind.ANNOUNCEMENT, text="x", url="/x/")
