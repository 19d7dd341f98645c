from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from demo.management.commands.seed_demo import DEMO_PASSWORD
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_the_demo_password_works():
    call_command("seed_demo", stdout=StringIO())
    counts = (User.objects.count(), Notification.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (User.objects.count(), Notification.objects.count()) == counts
    assert set(User.objects.values_list("username", flat=True)) >= {"alice", "bob", "carol", "dave"}
    assert User.objects.get(username="alice").check_password(DEMO_PASSWORD)
