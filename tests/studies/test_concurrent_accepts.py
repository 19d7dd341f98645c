"""Twenty owners' clicks at once never seat more members than the study has room for."""

import threading

import pytest
from django.db import connection

from studies import services
from studies.errors import StudyFull
from studies.models import JoinRequest, Membership
from tests.studies.conftest import join, make_study

pytestmark = pytest.mark.django_db(transaction=True)

APPLICANTS = 20


def test_twenty_concurrent_accepts_fill_exactly_the_three_free_seats(make_user):
    owner = make_user("owner")
    study = make_study(owner, capacity=5)
    join(study, make_user("early"))  # two of five seats taken, three free
    requests = [
        services.join_request_create(study=study, user=make_user(f"applicant{n}"))
        for n in range(APPLICANTS)
    ]
    barrier = threading.Barrier(APPLICANTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(join_request):
        try:
            barrier.wait()
            services.join_request_accept(join_request=join_request, by=owner)
            outcome = "accepted"
        except StudyFull:
            outcome = "full"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=accept, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted"] * 3 + ["full"] * (APPLICANTS - 3)
    assert Membership.objects.filter(study=study).count() == 5
    assert JoinRequest.objects.filter(study=study, status="accepted").count() == 4
    assert JoinRequest.objects.filter(study=study, status="pending").count() == APPLICANTS - 3
