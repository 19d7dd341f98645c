from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def test_announce_to_named_users(alice, bob):
    out = StringIO()
    call_command("announce", "Maintenance at 2am", "--user", "alice", stdout=out)
    assert "sent to 1 users" in out.getvalue()
    assert Notification.objects.get(kind=Kind.ANNOUNCEMENT).recipient == alice


def test_announce_to_everyone(alice, bob):
    call_command("announce", "Hello all", stdout=StringIO())
    assert Notification.objects.filter(kind=Kind.ANNOUNCEMENT).count() == 2


def test_announce_refuses_unknown_users_and_foreign_links(alice):
    with pytest.raises(CommandError, match="No such users: zed"):
        call_command("announce", "x", "--user", "zed")
    with pytest.raises(CommandError, match="local path"):
        call_command("announce", "x", "--url", "https://evil.example/")
    assert not Notification.objects.filter(kind=Kind.ANNOUNCEMENT).exists()
