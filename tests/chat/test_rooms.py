"""Opening and closing rooms: one open room per category, three per study, under concurrency."""

import threading

import pytest
from django.db import IntegrityError, connection

from chat.errors import CategoryTaken, NotAllowed, RoomClosed, RoomLimitReached
from chat.models import Category, Room
from chat.services import room_close, room_open
from tests.chat.factories import join, make_room, make_study


@pytest.fixture
def study(alice, bob):
    return make_study(alice, bob)


pytestmark = pytest.mark.django_db


def test_a_member_opens_a_room(study, bob):
    room = room_open(study=study, category=Category.QNA, by=bob)
    assert room.creator == bob
    assert room.is_open
    assert list(Room.objects.filter(study=study)) == [room]


def test_an_outsider_cannot_open_a_room(study, make_user):
    outsider = make_user("mallory")
    with pytest.raises(NotAllowed):
        room_open(study=study, category=Category.QNA, by=outsider)
    assert not Room.objects.exists()


def test_an_unknown_category_is_refused(study, alice):
    with pytest.raises(NotAllowed):
        room_open(study=study, category="gossip", by=alice)
    assert not Room.objects.exists()


def test_one_open_room_per_category(study, alice, bob):
    make_room(study, alice, Category.PLANNING)
    with pytest.raises(CategoryTaken):
        room_open(study=study, category=Category.PLANNING, by=bob)
    assert Room.objects.filter(study=study).count() == 1


def test_a_closed_category_can_be_opened_again(study, alice):
    first = make_room(study, alice, Category.PLANNING)
    room_close(room=first, by=alice)
    second = make_room(study, alice, Category.PLANNING)
    assert second.pk != first.pk


def test_at_most_three_open_rooms_per_study(study, alice):
    for category in (Category.PLANNING, Category.PROGRESS, Category.QNA):
        make_room(study, alice, category)
    with pytest.raises(RoomLimitReached):
        room_open(study=study, category=Category.REVIEW, by=alice)
    assert Room.objects.filter(study=study, closed_at__isnull=True).count() == 3


def test_the_database_refuses_a_second_open_room_per_category(study, alice):
    make_room(study, alice, Category.REVIEW)
    with pytest.raises(IntegrityError):
        Room.objects.create(study=study, category=Category.REVIEW, creator=alice)


def test_creator_and_owner_close_rooms_other_members_cannot(study, alice, bob, make_user):
    carol = make_user("carol")
    join(study, carol)
    bobs = make_room(study, bob, Category.PLANNING)
    with pytest.raises(NotAllowed):
        room_close(room=bobs, by=carol)
    room_close(room=bobs, by=bob)
    alices = make_room(study, alice, Category.QNA)
    with pytest.raises(NotAllowed):
        room_close(room=alices, by=bob)
    owners_close = make_room(study, bob, Category.REVIEW)
    room_close(room=owners_close, by=alice)
    with pytest.raises(RoomClosed):
        room_close(room=owners_close, by=alice)
    assert not Room.objects.get(pk=alices.pk).closed_at


def _race(functions) -> list:
    """Run the functions at the same moment in threads; return their results or exceptions."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_never_exceed_three_rooms(alice, bob):
    study = make_study(alice, bob)
    categories = [Category.PLANNING, Category.PROGRESS, Category.QNA, Category.REVIEW]
    categories += [Category.GENERAL]
    results = _race([lambda c=c: room_open(study=study, category=c, by=alice) for c in categories])
    opened = [r for r in results if isinstance(r, Room)]
    refused = [r for r in results if isinstance(r, RoomLimitReached)]
    assert (len(opened), len(refused)) == (3, 2)
    assert Room.objects.filter(study=study, closed_at__isnull=True).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_of_one_category_make_one_room(alice, bob):
    study = make_study(alice, bob)
    results = _race(
        [
            lambda user=user: room_open(study=study, category=Category.QNA, by=user)
            for user in (alice, bob, alice, bob)
        ]
    )
    assert sum(isinstance(r, Room) for r in results) == 1
    assert sum(isinstance(r, CategoryTaken) for r in results) == 3
    assert Room.objects.filter(study=study).count() == 1
