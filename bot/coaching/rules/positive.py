"""Praise: what the answer did well, each tied to the words that did it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.catalog import Kind
from bot.coaching.context import Context
from bot.coaching.models import Dimension, Finding, Severity
from bot.coaching.rules.base import Rule
from bot.coaching.rules.communication import we_without_i
from bot.coaching.rules.structure import RESULT_CATEGORIES, result_numbers

log = logging.getLogger(__name__)

_BEHAVIORAL = frozenset({Kind.BEHAVIORAL})


@dataclass(frozen=True)
class _Praise(Rule):
    def praise(self, ctx: Context, start: int, end: int) -> Finding:
        return ctx.finding(
            self.id, self.dimension, Severity.INFO, ctx.evidence(start, end), positive=True
        )


@dataclass(frozen=True)
class MeasuredResult(_Praise):
    """The result carries a number."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first measurement inside a result."""
        numbers = result_numbers(ctx)
        return [self.praise(ctx, *numbers[0])] if numbers else []


@dataclass(frozen=True)
class Ownership(_Praise):
    """The candidate says plainly what they decided or drove."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first ownership phrase unless "we" drowns it out."""
        found = ctx.found("ownership")
        if not found or we_without_i(ctx):
            return []
        return [self.praise(ctx, found[0].start, found[0].end)]


@dataclass(frozen=True)
class FirstMarker(_Praise):
    """Quote the first occurrence of a marker category worth praising."""

    category: str = ""

    def check(self, ctx: Context) -> list[Finding]:
        """Return praise for the first marker of the category, if any."""
        found = ctx.found(self.category)
        return [self.praise(ctx, found[0].start, found[0].end)] if found else []


@dataclass(frozen=True)
class StatedComplexity(_Praise):
    """A coding answer states its complexity."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first complexity statement."""
        return [self.praise(ctx, *ctx.complexity[0])] if ctx.complexity else []


@dataclass(frozen=True)
class CompleteStory(_Praise):
    """Situation, task, action and result are all there."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote where the story lands (its first result) when every STAR part is present."""
        parts = (("situation",), ("task",), ("action", "ownership"), RESULT_CATEGORIES)
        if not all(any(ctx.found(c) for c in part) for part in parts):
            return []
        landing = min((m for c in RESULT_CATEGORIES for m in ctx.found(c)), key=lambda m: m.start)
        return [self.praise(ctx, landing.start, landing.end)]


RULES: tuple[Rule, ...] = (
    MeasuredResult("positive.metrics", Dimension.STRUCTURE, kinds=_BEHAVIORAL),
    Ownership(
        "positive.ownership",
        Dimension.COMMUNICATION,
        kinds=frozenset({Kind.BEHAVIORAL, Kind.TECHNICAL}),
    ),
    FirstMarker(
        "positive.tradeoffs",
        Dimension.DEPTH,
        kinds=frozenset({Kind.TECHNICAL, Kind.SYSTEM_DESIGN, Kind.CODING}),
        category="tradeoffs",
    ),
    FirstMarker(
        "positive.assumptions",
        Dimension.DEPTH,
        kinds=frozenset({Kind.SYSTEM_DESIGN}),
        category="assumptions",
    ),
    StatedComplexity("positive.complexity", Dimension.DEPTH, kinds=frozenset({Kind.CODING})),
    CompleteStory("positive.structure", Dimension.STRUCTURE, kinds=_BEHAVIORAL),
)
