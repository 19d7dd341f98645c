from io import StringIO

import pytest
from django.core.management import call_command

from chat.models import Message, Room

pytestmark = pytest.mark.django_db


def test_seed_demo_opens_one_room_with_a_conversation_once():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    room = Room.objects.get()
    assert room.study.title == "Algorithm interview prep"
    assert list(
        Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True)
    ) == [1, 2, 3]
