"""Praise: what the answer did well, each tied to the words that did it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.catalog import Kind
from bot.coaching.context import Context
from bot.coaching.models import Dimension, Finding, Severity
from bot.coaching.rules.base import Rule
from bot.coaching.rules.communication import we_without_i
from bot.coaching.rules.structure import (
    has_action,
    has_result,
    has_situation,
    has_task,
    result_matches,
    result_numbers,
)

log = logging.getLogger(__name__)

_BEHAVIORAL = frozenset({Kind.BEHAVIORAL})
_SOLUTIONS = frozenset({Kind.TECHNICAL, Kind.SYSTEM_DESIGN, Kind.CODING})


@dataclass(frozen=True)
class _Praise(Rule):
    def praise(self, ctx: Context, start: int, end: int) -> Finding:
        return ctx.finding(
            self.id,
            self.dimension,
            Severity.INFO,
            # Praise quotes the clause that earned it: "because" alone shows nothing.
            ctx.clause_evidence(start, end),
            positive=True,
        )


@dataclass(frozen=True)
class MeasuredResult(_Praise):
    """The result carries a number."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first measurement inside a result."""
        if not has_result(ctx):
            return []
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
    """Quote the first occurrence of the marker categories worth praising, in priority order."""

    categories: tuple[str, ...] = ()

    def check(self, ctx: Context) -> list[Finding]:
        """Praise the earliest marker of the first category (in the given order) that occurs."""
        for category in self.categories:
            found = ctx.found(category)
            if found:
                first = min(found, key=lambda m: m.start)
                return [self.praise(ctx, first.start, first.end)]
        return []


@dataclass(frozen=True)
class Specifics(_Praise):
    """The answer names real things: systems, tools, numbers."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first number or named thing when the answer has at least two."""
        signals = ctx.signals
        if signals.numbers + signals.named < 2:
            return []
        spans = [(s, e) for s, e, _ in ctx.numbers[:1]]
        if signals.first_named is not None:
            spans.append(signals.first_named)
        return [self.praise(ctx, *min(spans))]


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
        """Quote where the story lands when every STAR part is present."""
        if not all(f(ctx) for f in (has_situation, has_task, has_action, has_result)):
            return []
        landing = result_matches(ctx)
        if landing:
            first = min(landing, key=lambda m: m.start)
            return [self.praise(ctx, first.start, first.end)]
        numbers = result_numbers(ctx)
        return [self.praise(ctx, *numbers[0])] if numbers else []


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
        kinds=_SOLUTIONS,
        categories=("tradeoffs", "contrast"),
    ),
    FirstMarker(
        "positive.assumptions",
        Dimension.DEPTH,
        kinds=frozenset({Kind.SYSTEM_DESIGN}),
        categories=("assumptions",),
    ),
    StatedComplexity("positive.complexity", Dimension.DEPTH, kinds=frozenset({Kind.CODING})),
    CompleteStory("positive.structure", Dimension.STRUCTURE, kinds=_BEHAVIORAL),
    FirstMarker("positive.reasoning", Dimension.DEPTH, categories=("reasoning",)),
    Specifics("positive.specifics", Dimension.DEPTH),
    FirstMarker(
        "positive.reflection", Dimension.DEPTH, kinds=_BEHAVIORAL, categories=("reflection",)
    ),
    FirstMarker(
        "positive.scale",
        Dimension.SENIORITY,
        kinds=frozenset({Kind.BEHAVIORAL, Kind.TECHNICAL, Kind.SYSTEM_DESIGN}),
        categories=("scale",),
    ),
    FirstMarker(
        "positive.stakeholders",
        Dimension.SENIORITY,
        kinds=frozenset({Kind.BEHAVIORAL, Kind.SYSTEM_DESIGN}),
        categories=("stakeholders",),
    ),
    FirstMarker(
        "positive.clarifying",
        Dimension.STRUCTURE,
        kinds=frozenset({Kind.SYSTEM_DESIGN, Kind.CODING}),
        categories=("clarify",),
    ),
    FirstMarker(
        "positive.example",
        Dimension.STRUCTURE,
        kinds=frozenset({Kind.TECHNICAL}),
        categories=("examples",),
    ),
)
