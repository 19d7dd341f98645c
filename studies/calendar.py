"""A study's schedule as an iCalendar feed (RFC 5545) that calendar apps subscribe to.

Who may fetch it: a calendar app cannot send the session cookie, so the feed is served to
whoever holds its link, which carries a token of one **membership** (`calendar_token`): the
membership's id, signed with SECRET_KEY together with the study and the member. Each member
sees only their own link on the study page. The link dies with the membership: a member who
leaves or is removed (the row is deleted; rejoining makes a new one with a new link) or whose
account is deactivated keeps nothing that works. The feed holds the title, the dates and the
"how we run it" text, nothing else. Every other study page stays session-based. Rotating
SECRET_KEY (with no fallback) invalidates every link.

Other apps add events to the feed (the board: task deadlines) by registering a source in
their AppConfig.ready(): `register_event_source(task_deadline_events)`, where the source
takes a study and the site's base URL (for absolute event links, "" when unknown) and
returns CalendarEvent objects.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from studies.models import Membership, Study

PRODUCT_ID = "-//Cohort//Studies//EN"
UID_DOMAIN = "cohort"
LINE_LIMIT = 75  # octets, without the CRLF
TOKEN_SALT = "studies.calendar"


@dataclass(frozen=True)
class CalendarEvent:
    """An all-day event from `start` to `end` (inclusive; a single day when None)."""

    uid: str
    summary: str
    start: date
    end: date | None = None
    description: str = ""
    url: str = ""


EventSource = Callable[[Study, str], Iterable[CalendarEvent]]
_event_sources: list[EventSource] = []


def register_event_source(source: EventSource) -> None:
    if source not in _event_sources:
        _event_sources.append(source)


def _signature(study_id: int, membership: Membership) -> str:
    value = f"{study_id}.{membership.pk}.{membership.user_id}"
    return signing.Signer(salt=TOKEN_SALT).signature(value)


def calendar_token(membership: Membership) -> str:
    """Return the unguessable token that lets this member's calendar app read the feed."""
    return f"{membership.pk}-{_signature(membership.study_id, membership)}"


def calendar_token_valid(study: Study, token: str) -> bool:
    """Return whether the token is a current, active member's link to this study's feed."""
    membership_id, _, signature = token.partition("-")
    if not membership_id.isdigit() or not signature:
        return False
    membership = (
        Membership.objects.filter(
            pk=int(membership_id), study_id=study.pk, user__is_active=True
        ).first()
        if int(membership_id) <= 2**63 - 1
        else None
    )
    if membership is None:
        return False
    return constant_time_compare(_signature(study.pk, membership), signature)


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never splitting a character."""
    chunks: list[str] = []
    current = ""
    size = 0
    limit = LINE_LIMIT
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            chunks.append(current)
            current, size = "", 0
            limit = LINE_LIMIT - 1  # continuation lines start with a space
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


def _date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _event_lines(event: CalendarEvent, stamp: str) -> list[str]:
    # DTEND of an all-day event is exclusive: the day after the last one.
    last_day = event.end or event.start
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_date(event.start)}",
        f"DTEND;VALUE=DATE:{_date(last_day + timedelta(days=1))}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def render_calendar(*, name: str, events: Iterable[CalendarEvent], now: datetime) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def study_events(study: Study, *, base_url: str = "") -> list[CalendarEvent]:
    url = base_url + study.get_absolute_url() if base_url else ""
    return [
        CalendarEvent(
            uid=f"study-{study.pk}-schedule@{UID_DOMAIN}",
            summary=study.title,
            start=study.start_date,
            end=study.end_date,
            description=study.how_we_run,
            url=url,
        ),
        CalendarEvent(
            uid=f"study-{study.pk}-deadline@{UID_DOMAIN}",
            summary=_("Recruitment deadline: %(study)s") % {"study": study.title},
            start=study.recruitment_deadline,
            url=url,
        ),
    ]


def study_calendar(
    study: Study,
    *,
    now: datetime,
    extra_events: Iterable[CalendarEvent] = (),
    base_url: str = "",
) -> str:
    """Render the study's feed: its schedule, the registered sources' events and `extra_events`."""
    events = study_events(study, base_url=base_url)
    for source in _event_sources:
        events.extend(source(study, base_url))
    events.extend(extra_events)
    return render_calendar(name=study.title, events=events, now=now)
