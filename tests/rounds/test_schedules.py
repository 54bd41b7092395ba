"""Recurrence in a time zone: next occurrences across DST, grace, skip-next, collisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.catalog import Kind, Language, Level
from bot.rounds.model import RoundMedium
from bot.rounds.schedules import (
    Action,
    Schedule,
    ScheduleError,
    Weekday,
    collides,
    due,
    first_date_for,
    handled,
    needs_resync,
    parse_clock,
    parse_day,
    parse_zone,
    recurrence,
    reminder_due,
    skip_next,
    zone_names,
)

NY = "America/New_York"
GRACE = timedelta(minutes=15)


def schedule(
    *,
    weekday: Weekday = Weekday.SUNDAY,
    clock: time = time(19, 0),
    zone: str = NY,
    first: date = date(2026, 3, 1),
    every: int = 1,
    created: datetime = datetime(2026, 2, 20, tzinfo=UTC),
    channel_id: int = 10,
    medium: RoundMedium = RoundMedium.VOICE,
    duration: int = 60,
) -> Schedule:
    return Schedule(
        guild_id=1,
        channel_id=channel_id,
        post_channel_id=11,
        medium=medium,
        creator_id=5,
        kind=Kind.BEHAVIORAL,
        level=Level.MID,
        language=Language.EN,
        weekday=weekday,
        local_time=clock,
        timezone=zone,
        interval_weeks=every,
        first_date=first,
        duration_minutes=duration,
        questions_each=2,
        reminder_minutes=60,
        created_at=created,
        id=1,
    )


def local(moment: datetime, zone: str = NY) -> tuple[date, time]:
    here = moment.astimezone(ZoneInfo(zone))
    return here.date(), here.time()


def test_the_wall_clock_time_holds_across_spring_forward_and_fall_back() -> None:
    s = schedule()
    starts = list(_take(s.occurrences(datetime(2026, 3, 1, tzinfo=UTC)), 2))
    # 19:00 EST is 00:00 UTC; after 8 March it is 19:00 EDT, 23:00 UTC.
    assert starts == [
        datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 23, 0, tzinfo=UTC),
    ]
    autumn = list(_take(s.occurrences(datetime(2026, 10, 20, tzinfo=UTC)), 2))
    assert [local(o)[1] for o in autumn] == [time(19, 0), time(19, 0)]
    assert autumn[1] - autumn[0] == timedelta(days=7, hours=1)


def test_a_time_in_the_spring_gap_runs_past_it_and_a_repeated_one_at_the_first() -> None:
    gap = schedule(clock=time(2, 30))
    (spring,) = _take(gap.occurrences(datetime(2026, 3, 7, tzinfo=UTC)), 1)
    assert local(spring) == (date(2026, 3, 8), time(3, 30))
    twice = schedule(clock=time(1, 30))
    (autumn,) = _take(twice.occurrences(datetime(2026, 10, 31, tzinfo=UTC)), 1)
    assert autumn == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first one


def test_a_zone_without_dst_never_moves_and_fortnightly_keeps_its_phase() -> None:
    seoul = schedule(
        weekday=Weekday.MONDAY,
        clock=time(8, 0),
        zone="Asia/Seoul",
        first=date(2026, 11, 30),
        every=2,
    )
    starts = list(_take(seoul.occurrences(datetime(2026, 11, 1, tzinfo=UTC)), 3))
    # Monday 08:00 in Seoul is Sunday 23:00 UTC.
    assert starts == [
        datetime(2026, 11, 29, 23, 0, tzinfo=UTC),
        datetime(2026, 12, 13, 23, 0, tzinfo=UTC),
        datetime(2026, 12, 27, 23, 0, tzinfo=UTC),
    ]
    later = next(seoul.occurrences(datetime(2027, 6, 1, tzinfo=UTC)))
    assert (later.date() - starts[0].date()).days % 14 == 0
    assert recurrence(seoul, starts[0]).as_json() == {
        "start": "2026-11-29T23:00:00+00:00",
        "frequency": 2,
        "interval": 2,
        "by_weekday": [6],  # the UTC weekday: Sunday
    }


def test_first_date_is_the_next_matching_day_and_refuses_a_past_or_wrong_day() -> None:
    zone = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)  # Wednesday 19:30 in Berlin
    assert first_date_for(Weekday.WEDNESDAY, time(19, 0), zone, now) == date(2026, 12, 2)
    assert first_date_for(Weekday.WEDNESDAY, time(20, 0), zone, now) == date(2026, 11, 25)
    with pytest.raises(ScheduleError) as past:
        first_date_for(Weekday.WEDNESDAY, time(19, 0), zone, now, date(2026, 11, 25))
    assert past.value.reason == "in_past"
    with pytest.raises(ScheduleError) as wrong:
        first_date_for(Weekday.MONDAY, time(19, 0), zone, now, date(2026, 12, 2))
    assert wrong.value.reason == "date_not_weekday"


@pytest.mark.parametrize("bad", ["Mars/Olympus", "", "../etc/passwd", "Europe/Atlantis", "x" * 80])
def test_unknown_time_zones_are_refused_with_the_name(bad: str) -> None:
    with pytest.raises(ScheduleError) as found:
        parse_zone(bad, Language.KO)
    assert found.value.reason == "unknown_timezone"
    assert "IANA" in found.value.user_message


def test_zone_names_are_canonical_and_searchable() -> None:
    assert parse_zone(" asia/seoul ") == "Asia/Seoul"
    assert parse_zone("UTC") == "UTC"
    assert zone_names("new_y")[0] == "America/New_York"
    assert len(zone_names("")) == 25


@pytest.mark.parametrize("raw", ["25:00", "7pm", "19:60", "", "1930"])
def test_bad_times_and_dates_are_refused(raw: str) -> None:
    with pytest.raises(ScheduleError):
        parse_clock(raw)
    with pytest.raises(ScheduleError):
        parse_day(raw or "2026-13-01")


def test_times_are_read_in_common_spellings() -> None:
    assert parse_clock("7:05") == time(7, 5)
    assert parse_clock("19h30") == time(19, 30)


def test_due_runs_on_time_late_within_grace_and_misses_beyond() -> None:
    s = schedule()
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert due(s, start - timedelta(seconds=1), GRACE) is None
    on_time = due(s, start + timedelta(seconds=40), GRACE)
    assert on_time is not None and on_time.action is Action.RUN
    late = due(s, start + timedelta(minutes=10), GRACE)
    assert late is not None and late.action is Action.LATE and late.runs
    missed = due(s, start + timedelta(minutes=16), GRACE)
    assert missed is not None and missed.action is Action.MISSED and not missed.runs
    done = handled(s, start)
    assert due(done, start + timedelta(minutes=5), GRACE) is None


def test_weeks_offline_report_the_latest_and_count_the_rest() -> None:
    s = handled(schedule(), datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    found = due(s, datetime(2026, 3, 29, 23, 5, tzinfo=UTC), GRACE)
    assert found is not None
    assert found.action is Action.LATE
    assert found.occurrence == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    assert found.also_missed == 3


def test_skip_next_passes_over_one_occurrence_and_reminders_follow() -> None:
    s = schedule()
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    skipped, which = skip_next(s, now)
    assert which == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert skipped.upcoming(now) == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    found = due(skipped, which + timedelta(minutes=1), GRACE)
    assert found is not None and found.action is Action.SKIPPED
    # An hour before the skipped one there is nothing to remind of.
    assert reminder_due(skipped, which - timedelta(minutes=59)) is None
    assert reminder_due(s, which - timedelta(minutes=59)) == which
    assert reminder_due(s, which - timedelta(minutes=61)) is None
    twice, second = skip_next(skipped, now)
    assert second == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    assert handled(twice, which).skipped == (second,)


def test_collisions_need_the_same_channel_and_an_overlap() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    a = schedule(clock=time(19, 0), duration=60)
    assert collides(a, schedule(clock=time(19, 30)), now) is not None
    assert collides(a, schedule(clock=time(20, 0)), now) is None
    assert collides(a, schedule(clock=time(19, 30), channel_id=99), now) is None
    # Fortnightly schedules on alternate weeks never meet.
    odd = schedule(every=2, first=date(2026, 3, 1))
    even = schedule(every=2, first=date(2026, 3, 8))
    assert collides(odd, even, now) is None
    # Berlin 01:00 Monday and New York 19:00 Sunday meet only while both are on summer time
    # or both on winter time: checking a year ahead finds it.
    berlin = schedule(
        weekday=Weekday.MONDAY, clock=time(1, 0), zone="Europe/Berlin", first=date(2026, 3, 2)
    )
    assert collides(schedule(), berlin, now) is not None


def test_the_series_needs_moving_only_when_utc_steps_miss_the_local_time() -> None:
    s = schedule()
    s.event_start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert needs_resync(s, datetime(2026, 3, 8, 23, 0, tzinfo=UTC))  # DST moved it an hour
    s.event_start = datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    assert not needs_resync(s, datetime(2026, 3, 15, 23, 0, tzinfo=UTC))


def _take(it: object, n: int) -> list[datetime]:
    out = []
    for item in it:  # type: ignore[attr-defined]
        out.append(item)
        if len(out) == n:
            break
    return out
