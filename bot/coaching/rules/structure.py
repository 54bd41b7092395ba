"""Structure rules: the STAR parts of a behavioral story and how concrete its result is."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.catalog import Kind
from bot.coaching.context import Context
from bot.coaching.models import Dimension, Finding, Severity
from bot.coaching.rules.base import MissingMarkers, Rule

log = logging.getLogger(__name__)

BEHAVIORAL = frozenset({Kind.BEHAVIORAL})
RESULT_CATEGORIES = ("result", "vague_result")


def result_sentences(ctx: Context) -> set[int]:
    """Return the sentences that state a result, plus the sentence after each one."""
    # A result often lands in one sentence and gets its number in the next.
    found: set[int] = set()
    for category in RESULT_CATEGORIES:
        for m in ctx.found(category):
            sentence = ctx.tokens[m.first].sentence
            found.update((sentence, sentence + 1))
    return found


def result_numbers(ctx: Context) -> list[tuple[int, int]]:
    """Return the spans of measurements inside the result sentences."""
    where = result_sentences(ctx)
    return [(start, end) for start, end, sentence in ctx.numbers if sentence in where]


@dataclass(frozen=True)
class ResultVague(Rule):
    """A result is stated in vague words and backed by no measurement."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first vague result phrase when no number backs the result."""
        vague = ctx.found("vague_result")
        if not vague or result_numbers(ctx):
            return []
        return [ctx.finding(self.id, self.dimension, Severity.MINOR, ctx.evidence_of(vague[0]))]


@dataclass(frozen=True)
class NoMetrics(Rule):
    """A result is stated but carries no number, percentage, time or money."""

    def check(self, ctx: Context) -> list[Finding]:
        """Fire when results exist and none of them is measured."""
        if not any(ctx.found(c) for c in RESULT_CATEGORIES) or result_numbers(ctx):
            return []
        return [self.absent(ctx, Severity.MINOR)]


RULES: tuple[Rule, ...] = (
    MissingMarkers(
        "structure.situation_missing",
        Dimension.STRUCTURE,
        kinds=BEHAVIORAL,
        categories=("situation",),
        severity=Severity.MINOR,
    ),
    MissingMarkers(
        "structure.task_missing",
        Dimension.STRUCTURE,
        kinds=BEHAVIORAL,
        categories=("task",),
        severity=Severity.MINOR,
    ),
    MissingMarkers(
        "structure.action_missing",
        Dimension.STRUCTURE,
        kinds=BEHAVIORAL,
        categories=("action", "ownership"),
        severity=Severity.MAJOR,
    ),
    MissingMarkers(
        "structure.result_missing",
        Dimension.STRUCTURE,
        kinds=BEHAVIORAL,
        categories=RESULT_CATEGORIES,
        severity=Severity.MAJOR,
    ),
    ResultVague("structure.result_vague", Dimension.STRUCTURE, kinds=BEHAVIORAL),
    NoMetrics("structure.no_metrics", Dimension.STRUCTURE, kinds=BEHAVIORAL),
)
