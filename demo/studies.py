"""Demo studies for `manage.py seed_demo`: a few in each state, with members and requests."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from studies import services
from studies.models import Membership, Study

DEMO_USERNAMES = ("alice", "bob", "carol", "dave")

DESCRIPTION_ALGORITHMS = """Two problems a week from **LeetCode** and Baekjoon, then we compare
solutions on Saturday.

- Python or Java, your choice
- Bring one question you got stuck on
"""
DESCRIPTION_EXAM = """We prepare for the *information processing engineer* exam together:
one chapter a week, a mock test every other Sunday."""
DESCRIPTION_KOREAN = """Korean for people who read English documentation all day.
We read one short tech blog post in Korean each week and discuss it."""
DESCRIPTION_STATS = """A small group working through *An Introduction to Statistical Learning*
with R. The group finished the book; notes are in the board."""


def _study(owner: User, title: str, **fields) -> Study | None:
    """Create the study unless the owner already has one with that title."""
    if Study.objects.filter(owner=owner, title=title).exists():
        return None
    return services.study_create(owner=owner, title=title, **fields)


def _request(study: Study, user: User, message: str):
    return services.join_request_create(study=study, user=user, message=message)


@transaction.atomic
def seed_studies() -> int:
    """Create the demo studies that are missing and return how many were created."""
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERNAMES)}
    alice, bob, carol, dave = (users[name] for name in DEMO_USERNAMES)
    today = timezone.localdate()
    created = 0

    algorithms = _study(
        bob,
        "Algorithms weekly",
        description=DESCRIPTION_ALGORITHMS,
        how_we_run="Saturdays 10:00 KST on the call; problems posted on the board on Monday.",
        tags=["algorithms", "python", "interview"],
        start_date=today + timedelta(days=14),
        end_date=today + timedelta(days=100),
        recruitment_deadline=today + timedelta(days=10),
        capacity=5,
    )
    if algorithms:
        created += 1
        accepted = _request(algorithms, carol, "I practise every morning, count me in.")
        services.join_request_accept(join_request=accepted, by=bob)
        _request(algorithms, alice, "Preparing for interviews; I would love a study partner.")

    korean = _study(
        carol,
        "Korean for developers",
        description=DESCRIPTION_KOREAN,
        tags=["korean", "language"],
        start_date=today + timedelta(days=7),
        end_date=today + timedelta(days=60),
        recruitment_deadline=today + timedelta(days=5),
        capacity=4,
    )
    if korean:
        created += 1
        _request(korean, dave, "My in-laws are Korean; time to keep up at dinner.")

    exam = _study(
        alice,
        "Engineer exam sprint",
        description=DESCRIPTION_EXAM,
        how_we_run="One chapter a week; mock tests every other Sunday.",
        tags=["exam", "certification"],
        start_date=today - timedelta(days=3),
        end_date=today + timedelta(days=50),
        recruitment_deadline=today - timedelta(days=5),
        capacity=3,
    )
    if exam:
        created += 1
        # The recruitment of these studies lies in the past, when no request could be made now.
        Membership.objects.bulk_create([Membership(study=exam, user=u) for u in (dave, bob)])
        services.study_status_change(study=exam, to=Study.Status.IN_PROGRESS, by=alice)
        services.review_create(
            study=exam, reviewer=dave, reviewee=alice, score=5, text="Great organiser."
        )

    stats = _study(
        dave,
        "Statistics with R",
        description=DESCRIPTION_STATS,
        tags=["statistics", "r", "data"],
        start_date=today - timedelta(days=60),
        end_date=today - timedelta(days=5),
        recruitment_deadline=today - timedelta(days=65),
        capacity=6,
    )
    if stats:
        created += 1
        Membership.objects.bulk_create([Membership(study=stats, user=u) for u in (carol, alice)])
        services.study_status_change(study=stats, to=Study.Status.IN_PROGRESS, by=dave)
        services.study_status_change(study=stats, to=Study.Status.COMPLETED, by=dave)
        services.review_create(
            study=stats, reviewer=carol, reviewee=dave, score=4, text="Clear explanations."
        )
        services.review_create(
            study=stats, reviewer=alice, reviewee=carol, score=5, text="Always prepared."
        )
    return created
