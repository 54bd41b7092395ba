"""Memory across sessions: recurring habits, each pointing to the answers it came from.

A habit is a rubric rule that fired in several of the user's last answers where it could
fire: at least ``HABIT_MIN`` of the last ``WINDOW`` answers of the interview kinds it has
fired in (a structure rule is not "fixed" by a coding interview). Filler spikes count over
spoken answers only (at least 2 of the last 4). Once the rule stays away from enough of those
answers it drops below the threshold and is no longer mentioned: fixed in three answers in a
row is always enough. Nothing is inferred: every habit carries the answers it rests on.

The unit is a question, not a turn: a question's follow-up replies and retries are merged
into it (a rule counts for the question when it fired in any of them), so one question is
counted once and referred to once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.catalog import Kind, Language
from bot.copy import text
from bot.progress.catalogue import SkillCatalogue
from bot.progress.models import PracticeEntry

log = logging.getLogger(__name__)

WINDOW = 5
HABIT_MIN = 3
SPOKEN_WINDOW = 4
SPOKEN_MIN = 2
# How far back a rule's kinds are read from.
HISTORY = 20
SHOWN = 3
SPOKEN_PREFIX = "delivery."


@dataclass(frozen=True, slots=True)
class AnswerRef:
    """Which answer a memory rests on: interview id, question number, turn id."""

    session_id: int
    number: int
    turn_id: int


@dataclass(frozen=True, slots=True)
class Habit:
    """Something the candidate keeps doing, how often, and the answers that show it.

    ``key`` is the rule id (or ``story:<id>`` for a story told again); ``title`` is set by
    sources whose title is data (a story's), else the rule's title is looked up.
    """

    key: str
    count: int
    window: int
    sources: tuple[AnswerRef, ...] = field(default=())
    title: str | None = None

    @property
    def turn_ids(self) -> tuple[int, ...]:
        """Return the turn ids of the answers behind the habit."""
        return tuple(dict.fromkeys(ref.turn_id for ref in self.sources))


def recurring_habits(entries: Sequence[PracticeEntry], catalogue: SkillCatalogue) -> list[Habit]:
    """Return the recurring habits in ``entries`` (newest first), most frequent first."""
    recent = by_question(entries[:HISTORY])
    kinds: dict[str, set[Kind]] = {}
    for entry in recent:
        for rule in entry.problems:
            if catalogue.for_rule(rule):
                kinds.setdefault(rule, set()).add(entry.kind)
    habits: list[Habit] = []
    for rule, rule_kinds in kinds.items():
        spoken = rule.startswith(SPOKEN_PREFIX)
        window, least = (SPOKEN_WINDOW, SPOKEN_MIN) if spoken else (WINDOW, HABIT_MIN)
        applicable = [e for e in recent if (e.spoken if spoken else e.kind in rule_kinds)]
        seen = applicable[:window]
        hits = [e for e in seen if rule in e.problems]
        if len(hits) >= least:
            refs = tuple(AnswerRef(e.session_id, e.number, e.turn_id) for e in reversed(hits))
            habits.append(Habit(rule, len(hits), len(seen), refs))
    habits.sort(key=lambda h: (-h.count / h.window, -h.count, h.key))
    return habits


def by_question(entries: Sequence[PracticeEntry]) -> list[PracticeEntry]:
    """Return one entry per question (newest first): its turns merged into the first seen."""
    merged: dict[tuple[int, int], PracticeEntry] = {}
    for entry in entries:
        key = (entry.session_id, entry.number)
        first = merged.get(key)
        if first is None:
            merged[key] = entry
            continue
        merged[key] = replace(
            first,
            problems=tuple(dict.fromkeys((*first.problems, *entry.problems))),
            spoken=first.spoken or entry.spoken,
        )
    return list(merged.values())


def habit_title(habit: Habit, language: Language) -> str:
    """Return what the habit is, in ``language``."""
    return habit.title or text(f"feedback.rules.{habit.key}", language)


def refs_text(refs: Sequence[AnswerRef], language: Language) -> str:
    """Return "#41 Q2, #43 Q1": the answers a mention points to."""
    return ", ".join(
        text("progress.memory.ref", language, session=r.session_id, number=r.number) for r in refs
    )


def model_lines(habits: Sequence[Habit], language: Language) -> tuple[str, ...]:
    """Return the habits as short lines for a grading model's prompt."""
    lines = []
    for habit in habits[:SHOWN]:
        key = (
            "progress.memory.model_story"
            if habit.key.startswith("story:")
            else "progress.memory.model_habit"
        )
        lines.append(
            text(
                key,
                language,
                title=habit_title(habit, language),
                rule=habit.key,
                count=habit.count,
                window=habit.window,
            )
        )
    return tuple(lines)
