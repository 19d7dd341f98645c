"""What a `resume` from an id answers (docs/protocol.md, "Delivery"), for the streams keyed by id.

An id is drawn when its row is inserted, but the row shows only when its transaction commits,
so rows can show out of id order: a client may hold id 10 before id 9 has committed. Resuming
from 10 therefore also sends again the rows at or below it that were created within
REALTIME_RESUME_OVERLAP_S before the newest of them; clients drop the ones they hold by id.
A row whose transaction commits more than that long after its insert could still be missed, so
code that creates these rows commits soon after (no call to another service in between).

Chat needs none of this: a room's seqs are taken under the room's lock, in commit order.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet


def rows_to_resume(rows: QuerySet, *, after: int, limit: int) -> tuple[list, bool]:
    """Return the rows a resume from `after` answers, oldest first, and whether more follow.

    `rows` is the client's stream (a queryset of a model with `created_at`). The answer holds
    up to `limit` rows with an id above `after` (more follow when there are others), preceded
    by up to `limit` of the newest rows at or below `after` created within the overlap.
    """
    newer = list(rows.filter(id__gt=after).order_by("id")[: limit + 1])
    held_newest = (
        rows.filter(id__lte=after).order_by("-id").values_list("created_at", flat=True).first()
    )
    overlap = []
    if held_newest is not None:
        since = held_newest - timedelta(seconds=settings.REALTIME_RESUME_OVERLAP_S)
        overlap = list(rows.filter(id__lte=after, created_at__gte=since).order_by("-id")[:limit])
        overlap.reverse()
    return overlap + newer[:limit], len(newer) > limit
