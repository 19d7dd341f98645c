"""Demo board for `manage.py seed_demo`: tasks, posts with markdown and code, comments, a file."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from board import services
from board.models import Task
from studies.models import Study
from studies.services import join_request_accept, join_request_create, study_create

DEMO_STUDY_TITLE = "Algorithm interview prep"
CHEATSHEET = b"# DP cheatsheet\n\n- define the state\n- write the recurrence\n- order the loops\n"

FIRST_POST = """## Plan for week 1

We solve **three** dynamic programming problems each and compare notes on Friday.

1. Climbing stairs
2. Coin change
3. Longest increasing subsequence

```python
def climb(n: int) -> int:
    a, b = 1, 1
    for _ in range(n):
        a, b = b, a + b
    return a
```

See the [problem list](https://leetcode.com/problemset/) for links.
"""

SECOND_POST = """Coin change with a bottom-up table:

```python
def coins(amount, values):
    best = [0] + [amount + 1] * amount
    for total in range(1, amount + 1):
        for value in values:
            if value <= total:
                best[total] = min(best[total], best[total - value] + 1)
    return best[amount] if best[amount] <= amount else -1
```

> The table has `amount + 1` cells, so this runs in O(amount × len(values)).
"""


def _demo_study(owner: User, members: list[User]) -> Study:
    study = Study.objects.filter(owner=owner, title=DEMO_STUDY_TITLE).first()
    if study is None:
        today = timezone.localdate()
        study = study_create(
            owner=owner,
            title=DEMO_STUDY_TITLE,
            description="Weekly problem sets for coding interviews, with shared notes.",
            start_date=today + timedelta(days=14),
            end_date=today + timedelta(days=90),
            recruitment_deadline=today + timedelta(days=7),
            capacity=6,
            tags=["algorithms", "interview"],
        )
    for user in members:
        if not study.memberships.filter(user=user).exists():
            request = join_request_create(study=study, user=user, message="Count me in!")
            join_request_accept(join_request=request, by=owner)
    return study


def seed_board() -> None:
    """Create the demo study's board once; running it again changes nothing."""
    users = {
        user.username: user for user in User.objects.filter(username__in=["alice", "bob", "carol"])
    }
    if len(users) < 3:
        return
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    study = _demo_study(bob, [alice, carol])
    if Task.objects.filter(study=study).exists():
        return
    today = timezone.localdate()
    week1 = services.task_create(
        study=study,
        by=bob,
        title="Week 1: dynamic programming",
        description="Three problems each, notes on the board by Friday.",
        due_date=today + timedelta(days=16),
        assignee=alice,
    )
    services.task_create(
        study=study,
        by=bob,
        title="Week 2: graphs",
        description="BFS, DFS and Dijkstra.",
        due_date=today + timedelta(days=23),
        assignee=carol,
    )
    setup = services.task_create(study=study, by=bob, title="Set up a shared repository")
    services.task_complete(task=setup, by=bob)
    plan = services.post_create(
        task=week1,
        author=bob,
        title="How we run week 1",
        body=FIRST_POST,
        files=[
            SimpleUploadedFile(
                "dp-cheatsheet.md",
                CHEATSHEET,
                content_type="text/markdown",
            )
        ],
    )
    services.comment_create(post=plan, author=alice, body="Sounds good! I'll take *coin change*.")
    services.comment_create(post=plan, author=carol, body="Can we add `edit distance` too?")
    notes = services.post_create(
        task=week1, author=alice, title="Coin change notes", body=SECOND_POST
    )
    services.comment_create(post=notes, author=bob, body="Nice. Try the top-down version too.")
