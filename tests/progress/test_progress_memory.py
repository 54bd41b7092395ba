"""Memory across sessions: habits rest on the answers they came from and stop once fixed."""

from __future__ import annotations

import logging

from bot.catalog import Kind, Language
from bot.progress.memory import model_lines, recurring_habits, refs_text
from tests.progress.helpers import catalogue, entry

log = logging.getLogger(__name__)

MISSING = "structure.result_missing"


def newest_first(*entries):  # type: ignore[no-untyped-def]
    return list(reversed(entries))


def test_a_rule_in_three_of_the_last_five_answers_is_a_habit_with_its_sources() -> None:
    log_ = newest_first(entry(1, MISSING), entry(2), entry(3, MISSING), entry(4, MISSING), entry(5))
    (habit,) = recurring_habits(log_, catalogue())
    assert (habit.key, habit.count, habit.window) == (MISSING, 3, 5)
    assert habit.turn_ids == (1, 3, 4)
    assert refs_text(habit.sources, Language.EN) == "#100 Q2, #101 Q1, #101 Q2"


def test_twice_is_not_a_habit() -> None:
    log_ = newest_first(entry(1, MISSING), entry(2), entry(3, MISSING), entry(4), entry(5))
    assert recurring_habits(log_, catalogue()) == []


def test_fixed_in_three_answers_in_a_row_it_is_no_longer_mentioned() -> None:
    log_ = [entry(n, MISSING) for n in range(1, 5)]
    assert recurring_habits(newest_first(*log_), catalogue())
    fixed = [*log_, entry(5), entry(6), entry(7)]
    assert recurring_habits(newest_first(*fixed), catalogue()) == []


def test_answers_of_other_kinds_neither_fix_nor_dilute_a_habit() -> None:
    log_ = [entry(n, MISSING) for n in range(1, 4)]
    coding = [entry(n, kind=Kind.CODING) for n in range(4, 10)]
    (habit,) = recurring_habits(newest_first(*log_, *coding), catalogue())
    assert habit.count == 3


def test_filler_spikes_count_over_voice_answers() -> None:
    spike = "delivery.filler_spike"
    log_ = [
        entry(1, spike, spoken=True),
        entry(2),
        entry(3),
        entry(4, spike, spoken=True),
        entry(5),
    ]
    (habit,) = recurring_habits(newest_first(*log_), catalogue())
    assert (habit.key, habit.count, habit.window) == (spike, 2, 2)


def test_habits_read_for_a_model_in_the_interview_language() -> None:
    log_ = newest_first(*(entry(n, MISSING) for n in range(1, 4)))
    (line,) = model_lines(recurring_habits(log_, catalogue()), Language.KO)
    assert "structure.result_missing" in line and "결과" in line
