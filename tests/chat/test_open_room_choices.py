"""'Open a room' offers only the categories that have no open room."""

import pytest
from django.test import Client

from chat.models import Category
from chat.services import room_close
from tests.chat.factories import make_room, make_study

pytestmark = pytest.mark.django_db


def offered(user, study) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/chat/studies/{study.pk}/").content.decode()


def test_a_category_with_an_open_room_is_not_offered_until_it_closes(alice, bob):
    study = make_study(alice, bob)
    assert 'value="planning"' in offered(bob, study)
    room = make_room(study, alice, Category.PLANNING)
    html = offered(bob, study)
    assert 'value="planning"' not in html
    assert 'value="general"' in html
    room_close(room=room, by=alice)
    assert 'value="planning"' in offered(bob, study)
