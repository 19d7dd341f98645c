import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Kind, Notification
from tests.servers import ROOT, free_port, served_environment

pytestmark = pytest.mark.django_db


def test_announce_to_named_users(alice, bob):
    out = StringIO()
    call_command("announce", "Maintenance at 2am", "--user", "alice", stdout=out)
    assert "stored for 1 user." in out.getvalue()
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


@pytest.mark.django_db(transaction=True)
def test_announce_stores_and_exits_0_when_live_delivery_fails(alice, bob):
    """With Redis unreachable, the notifications are stored and the command says delivery failed;
    exiting 0 keeps a retry from storing them twice."""
    environment = served_environment(REDIS_URL=f"redis://127.0.0.1:{free_port()}")
    result = subprocess.run(
        [sys.executable, "manage.py", "announce", "Back at 9", "--user", "alice"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "stored for 1 user." in result.stdout
    assert "live delivery failed" in result.stderr.lower()
    assert list(
        Notification.objects.filter(kind=Kind.ANNOUNCEMENT).values_list("text", "recipient")
    ) == [("Back at 9", alice.pk)]
