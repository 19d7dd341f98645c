"""The participant cap holds under concurrent joins (the study row is the lock)."""

import threading

import pytest
from django.db import connection

from rtc.errors import CallFull
from rtc.models import CallParticipant, CallSession
from rtc.services import call_join
from tests.rtc.conftest import make_study

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_joins_never_exceed_the_cap(settings, make_user):
    settings.RTC_MAX_PARTICIPANTS = 3
    owner = make_user("owner")
    members = [make_user(f"member{n}") for n in range(6)]
    study = make_study(owner, *members)
    start = threading.Barrier(len(members))
    outcomes = []

    def join(user):
        try:
            start.wait()
            call_join(study_id=study.pk, user=user, channel_name=f"specific.x!{user.pk}")
            outcomes.append("joined")
        except CallFull:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["full"] * 3 + ["joined"] * 3
    assert CallParticipant.objects.filter(study=study).count() == 3
    assert CallSession.objects.filter(study=study).count() == 1
