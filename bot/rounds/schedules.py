"""Recurring rounds: weekly or fortnightly at a wall-clock time in an IANA time zone.

Everything here is plain date arithmetic on ``zoneinfo``: when the next occurrence is, whether
one is due now (on time, late within the grace period, or missed), when to remind, which
occurrence "skip next" means, and whether two schedules in one channel collide.

Wall-clock rules (a choice, documented in README "Schedules"): occurrences follow the local
time across daylight-saving changes (19:00 stays 19:00, so the UTC instant moves by an hour);
a local time that does not exist on a spring-forward day runs at the same distance past the
gap (02:30 becomes 03:30); a time that happens twice on a fall-back day runs at the first.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.catalog import Kind, Language, Level
from bot.errors import CoachError
from bot.rounds.model import RoundMedium

log = logging.getLogger(__name__)

WEEK = timedelta(days=7)
# How far ahead two schedules are compared for a collision: a year covers every DST offset.
COLLISION_HORIZON = timedelta(days=371)
MIN_DURATION_MINUTES = 10
MAX_DURATION_MINUTES = 240
MAX_REMINDER_MINUTES = 24 * 60
MAX_QUESTIONS_EACH = 5
_TIME = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")


class ScheduleError(CoachError):
    """A schedule request that cannot be done; the message says why, in its language."""

    def __init__(self, reason: str, language: Language = Language.EN, **params: Any) -> None:
        super().__init__(key=f"schedules.errors.{reason}", language=language, **params)
        self.reason = reason


class Weekday(enum.IntEnum):
    """Days of the week, Monday first (as ``date.weekday()`` and Discord number them)."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class ScheduleStatus(enum.StrEnum):
    """A schedule runs until cancelled."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class Schedule:
    """A recurring round: what, where, when (wall clock + zone), and what has been done.

    ``first_date`` is the local date of the first occurrence; a fortnightly schedule runs on
    the weeks an even number of weeks after it. ``handled_until`` is the newest occurrence
    already run, missed or skipped (UTC), so a restart never runs one twice.
    """

    guild_id: int
    channel_id: int
    post_channel_id: int
    medium: RoundMedium
    creator_id: int | None
    kind: Kind
    level: Level
    language: Language
    weekday: Weekday
    local_time: time
    timezone: str
    interval_weeks: int
    first_date: date
    duration_minutes: int
    questions_each: int
    reminder_minutes: int
    created_at: datetime
    event_id: int | None = None
    event_start: datetime | None = None
    handled_until: datetime | None = None
    reminded_for: datetime | None = None
    skipped: tuple[datetime, ...] = ()
    active_event: bool = False
    status: ScheduleStatus = ScheduleStatus.ACTIVE
    id: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        """Return the schedule's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def duration(self) -> timedelta:
        """Return how long each occurrence lasts (the Discord event's length)."""
        return timedelta(minutes=self.duration_minutes)

    def occurrences(self, after: datetime, *, inclusive: bool = False) -> Iterator[datetime]:
        """Yield UTC start times after ``after`` (or at it, when ``inclusive``), in order."""
        zone = self.zone
        local_after = after.astimezone(zone).date()
        step = self.interval_weeks * 7
        # Start one period early: the local date may sit on either side of ``after``'s date.
        periods = max(0, (local_after - self.first_date).days // step - 1)
        day = self.first_date + timedelta(days=periods * step)
        while True:
            start = at_local(day, self.local_time, zone)
            if start > after or (inclusive and start == after):
                yield start
            day += timedelta(days=step)

    def next_occurrence(self, after: datetime) -> datetime:
        """Return the first occurrence strictly after ``after`` (UTC)."""
        return next(self.occurrences(after))

    def is_skipped(self, occurrence: datetime) -> bool:
        """Tell whether ``occurrence`` was skipped with "skip next"."""
        return occurrence in self.skipped

    def upcoming(self, now: datetime) -> datetime:
        """Return the next occurrence that will run (skipped ones are passed over)."""
        return next(o for o in self.occurrences(now) if not self.is_skipped(o))

    def local(self, moment: datetime) -> datetime:
        """Return ``moment`` on the schedule's wall clock."""
        return moment.astimezone(self.zone)


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of ``clock`` on ``day`` in ``zone`` (see the module's rules)."""
    # fold=0 takes the offset before a transition: a missing time lands past the gap and a
    # repeated one on its first occurrence.
    naive = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=zone).astimezone(UTC)


# ---- parsing and validation -------------------------------------------------------------


def parse_zone(name: str, language: Language = Language.EN) -> str:
    """Return the canonical spelling of an IANA zone name, or raise "unknown_timezone"."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 64 or cleaned.startswith(("/", ".")) or ".." in cleaned:
        raise ScheduleError("unknown_timezone", language, timezone=name.strip()[:64])
    known = _zones_by_folded()
    canonical = known.get(cleaned.casefold())
    if canonical is None:
        try:
            ZoneInfo(cleaned)
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError("unknown_timezone", language, timezone=cleaned) from None
        canonical = cleaned
    return canonical


def zone_names(prefix: str, limit: int = 25) -> list[str]:
    """Return up to ``limit`` IANA zone names containing ``prefix`` (for autocomplete)."""
    wanted = prefix.strip().casefold().replace(" ", "_")
    names = sorted(_zones_by_folded().values())
    starts = [n for n in names if n.casefold().startswith(wanted)]
    inside = [n for n in names if wanted in n.casefold() and n not in starts]
    return (starts + inside)[:limit]


_ZONES: dict[str, str] = {}


def _zones_by_folded() -> dict[str, str]:
    if not _ZONES:
        # Region/City names only: the legacy abbreviations (EST5EDT, Etc/GMT+9) confuse people.
        names = [z for z in available_timezones() if "/" in z and not z.startswith("Etc/")]
        _ZONES.update({z.casefold(): z for z in names})
        _ZONES["utc"] = "UTC"
    return _ZONES


def parse_clock(value: str, language: Language = Language.EN) -> time:
    """Return the wall-clock time of "19:30" (also "7.30", "19h30"), or raise "bad_time"."""
    match = _TIME.match(value)
    if match is None:
        raise ScheduleError("bad_time", language, time=value.strip()[:20])
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ScheduleError("bad_time", language, time=value.strip()[:20])
    return time(hour, minute)


def parse_day(value: str, language: Language = Language.EN) -> date:
    """Return the date of "2026-12-01", or raise "bad_date"."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ScheduleError("bad_date", language, date=value.strip()[:20]) from None


def first_date_for(
    weekday: Weekday,
    clock: time,
    zone: ZoneInfo,
    now: datetime,
    start: date | None = None,
    language: Language = Language.EN,
) -> date:
    """Return the local date of the first occurrence: ``start`` if given, else the next one.

    A given ``start`` must be on ``weekday`` and not in the past ("date_not_weekday",
    "in_past"); without one, the first ``weekday`` whose time is still ahead is chosen.
    """
    if start is not None:
        if start.weekday() != weekday:
            raise ScheduleError("date_not_weekday", language, date=start.isoformat())
        if at_local(start, clock, zone) <= now:
            raise ScheduleError("in_past", language, date=start.isoformat())
        return start
    today = now.astimezone(zone).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    if at_local(day, clock, zone) <= now:
        day += WEEK
    return day


def check_numbers(schedule: Schedule) -> None:
    """Raise when duration, questions, reminder lead or interval are out of range."""
    lang = schedule.language
    if schedule.interval_weeks not in (1, 2):
        raise ScheduleError("bad_interval", lang)
    if not MIN_DURATION_MINUTES <= schedule.duration_minutes <= MAX_DURATION_MINUTES:
        raise ScheduleError(
            "bad_duration", lang, low=MIN_DURATION_MINUTES, high=MAX_DURATION_MINUTES
        )
    if not 1 <= schedule.questions_each <= MAX_QUESTIONS_EACH:
        raise ScheduleError("bad_questions", lang, high=MAX_QUESTIONS_EACH)
    if not 0 <= schedule.reminder_minutes <= MAX_REMINDER_MINUTES:
        raise ScheduleError("bad_reminder", lang, high=MAX_REMINDER_MINUTES)


def collides(a: Schedule, b: Schedule, now: datetime) -> datetime | None:
    """Return the first start of ``a`` that overlaps ``b`` in the same channel, if any."""
    if a.channel_id != b.channel_id or a.guild_id != b.guild_id:
        return None
    end = now + COLLISION_HORIZON
    theirs = b.occurrences(now)
    current = next(theirs)
    for start in a.occurrences(now):
        if start > end:
            return None
        # Move past b's occurrences that ended before this one starts.
        while current + b.duration <= start:
            current = next(theirs)
        if current < start + a.duration:
            return start
    return None  # pragma: no cover - the generator never ends


# ---- what the poller does with a schedule -----------------------------------------------


class Action(enum.StrEnum):
    """What is due for a schedule now."""

    RUN = "run"
    LATE = "late"
    MISSED = "missed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Due:
    """An occurrence that needs handling: run it (maybe late), or say it was missed/skipped."""

    action: Action
    occurrence: datetime
    # Older occurrences that were also never handled (the bot was down for weeks).
    also_missed: int = 0

    @property
    def runs(self) -> bool:
        """Tell whether a round should start."""
        return self.action in (Action.RUN, Action.LATE)


# A start later than this after its time is "late" (the note says so); earlier is on time.
ON_TIME = timedelta(minutes=2)


def due(schedule: Schedule, now: datetime, grace: timedelta) -> Due | None:
    """Return the newest unhandled occurrence at or before ``now``, and what to do with it."""
    if schedule.status is not ScheduleStatus.ACTIVE:
        return None
    since = schedule.handled_until or (schedule.created_at - timedelta(seconds=1))
    pending = [o for o in _between(schedule, since, now)]
    if not pending:
        return None
    latest = pending[-1]
    older = len(pending) - 1
    if schedule.is_skipped(latest):
        return Due(Action.SKIPPED, latest, older)
    late_by = now - latest
    if late_by > grace:
        return Due(Action.MISSED, latest, older)
    return Due(Action.LATE if late_by > ON_TIME else Action.RUN, latest, older)


def _between(schedule: Schedule, after: datetime, until: datetime) -> Iterator[datetime]:
    for occurrence in schedule.occurrences(after):
        if occurrence > until:
            return
        yield occurrence


def reminder_due(schedule: Schedule, now: datetime) -> datetime | None:
    """Return the occurrence whose reminder should be posted now, if any."""
    if schedule.status is not ScheduleStatus.ACTIVE or schedule.reminder_minutes <= 0:
        return None
    upcoming = schedule.upcoming(now)
    if schedule.reminded_for == upcoming:
        return None
    if upcoming - timedelta(minutes=schedule.reminder_minutes) <= now:
        return upcoming
    return None


def handled(schedule: Schedule, occurrence: datetime) -> Schedule:
    """Return the schedule with ``occurrence`` (and everything before it) handled."""
    kept = tuple(s for s in schedule.skipped if s > occurrence)
    return replace(schedule, handled_until=occurrence, skipped=kept)


def skip_next(schedule: Schedule, now: datetime) -> tuple[Schedule, datetime]:
    """Return the schedule with its next running occurrence skipped, and that occurrence."""
    occurrence = schedule.upcoming(now)
    skipped = tuple(sorted({*schedule.skipped, occurrence}))
    return replace(schedule, skipped=skipped), occurrence


@dataclass(frozen=True, slots=True)
class RecurrenceRule:
    """The Discord recurrence rule of a schedule: weekly on one weekday, every 1 or 2 weeks."""

    start: datetime
    weekday: int
    interval: int
    # Discord's RecurrenceRuleFrequencies: YEARLY 0, MONTHLY 1, WEEKLY 2, DAILY 3.
    frequency: int = 2

    def as_json(self) -> dict[str, object]:
        """Return the rule as Discord's JSON (apps cannot set count, end or by_year_day)."""
        return {
            "start": iso(self.start),
            "frequency": self.frequency,
            "interval": self.interval,
            "by_weekday": [self.weekday],
        }


def recurrence(schedule: Schedule, start: datetime) -> RecurrenceRule:
    """Return the Discord rule for a series whose next occurrence starts at ``start`` (UTC).

    Discord repeats a series in UTC, so the weekday is the UTC one; after a daylight-saving
    change the series is moved to the next local-time occurrence (see ``needs_resync``).
    """
    return RecurrenceRule(start, start.astimezone(UTC).weekday(), schedule.interval_weeks)


def needs_resync(schedule: Schedule, next_start: datetime) -> bool:
    """Tell whether Discord's series (stepping in UTC) lost the local-time occurrence."""
    if schedule.event_start is None:
        return True
    step = WEEK * schedule.interval_weeks
    expected = schedule.event_start
    while expected < next_start:
        expected += step
    return expected != next_start


def iso(moment: datetime) -> str:
    """Return an ISO 8601 UTC timestamp as Discord writes them."""
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    """What a moderator asked for with the create command (already parsed)."""

    guild_id: int
    creator_id: int
    medium: RoundMedium
    channel_id: int
    post_channel_id: int
    kind: Kind
    level: Level
    language: Language
    weekday: Weekday
    local_time: time
    timezone: str
    interval_weeks: int = 1
    duration_minutes: int = 60
    questions_each: int = 2
    reminder_minutes: int = 60
    start_date: date | None = None


@dataclass(frozen=True, slots=True)
class ScheduleChanges:
    """What the edit command changes (None: keep as it is)."""

    kind: Kind | None = None
    level: Level | None = None
    language: Language | None = None
    weekday: Weekday | None = None
    local_time: time | None = None
    timezone: str | None = None
    interval_weeks: int | None = None
    duration_minutes: int | None = None
    questions_each: int | None = None
    reminder_minutes: int | None = None
    channel_id: int | None = None
    post_channel_id: int | None = None
    medium: RoundMedium | None = None

    @property
    def moves_time(self) -> bool:
        """Tell whether the change moves when the schedule runs."""
        return any(
            v is not None
            for v in (self.weekday, self.local_time, self.timezone, self.interval_weeks)
        )

    def empty(self) -> bool:
        """Tell whether nothing is changed."""
        return all(getattr(self, f) is None for f in self.__dataclass_fields__)


@dataclass(slots=True)
class Occurrences:
    """A schedule's next few occurrences, for the schedule list."""

    schedule: Schedule
    upcoming: list[datetime] = field(default_factory=list)
    skipped: list[datetime] = field(default_factory=list)
    rsvps: int = 0
