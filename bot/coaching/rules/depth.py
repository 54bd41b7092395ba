"""Depth rules: trade-offs, assumptions, complexity, the UMPIRE walk-through, length."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.catalog import Kind
from bot.coaching.context import Context
from bot.coaching.lexicon import UMPIRE_STEPS
from bot.coaching.models import Dimension, Finding, Severity
from bot.coaching.rules.base import MissingMarkers, Rule

log = logging.getLogger(__name__)

_SOLUTION_KINDS = frozenset({Kind.TECHNICAL, Kind.SYSTEM_DESIGN, Kind.CODING})
_CODING = frozenset({Kind.CODING})
_SYSTEM_DESIGN = frozenset({Kind.SYSTEM_DESIGN})
# Skipping half of UMPIRE is a broken walk-through, not a rough edge.
_MANY_GAPS = 3


def umpire_missing(ctx: Context) -> list[str]:
    """Return the UMPIRE steps the answer shows no sign of, in UMPIRE order."""
    missing = []
    for step in UMPIRE_STEPS:
        if ctx.found(f"umpire_{step}"):
            continue
        if step == "evaluate" and ctx.complexity:
            continue
        missing.append(step)
    return missing


@dataclass(frozen=True)
class NoTradeoffs(Rule):
    """No alternative is weighed; worst in system design, where trade-offs are the point."""

    def check(self, ctx: Context) -> list[Finding]:
        """Fire when no trade-off marker occurs."""
        if ctx.found("tradeoffs"):
            return []
        major = ctx.kind is Kind.SYSTEM_DESIGN
        return [self.absent(ctx, Severity.MAJOR if major else Severity.MINOR)]


@dataclass(frozen=True)
class NoComplexity(Rule):
    """A coding answer never states its time or space complexity."""

    def check(self, ctx: Context) -> list[Finding]:
        """Fire when neither a big-O expression nor a complexity phrase occurs."""
        return [] if ctx.complexity else [self.absent(ctx, Severity.MAJOR)]


@dataclass(frozen=True)
class UmpireGaps(Rule):
    """Name the UMPIRE steps a coding walk-through skipped."""

    def check(self, ctx: Context) -> list[Finding]:
        """Fire when any UMPIRE step shows no sign in the answer."""
        missing = umpire_missing(ctx)
        if not missing:
            return []
        names = ctx.lexicon.list_separator.join(ctx.lexicon.umpire_steps[s] for s in missing)
        severity = Severity.MAJOR if len(missing) >= _MANY_GAPS else Severity.MINOR
        return [self.absent(ctx, severity, steps=names, count=len(missing))]


@dataclass(frozen=True)
class Shallow(Rule):
    """Far too few words for the level to show any reasoning."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the whole (short) answer when it is under the level's word minimum."""
        limit = ctx.lexicon.limits.shallow_words[ctx.level]
        if ctx.word_count >= limit or not ctx.tokens:
            return []
        evidence = ctx.evidence_of_tokens(0, len(ctx.tokens))
        return [
            ctx.finding(
                self.id,
                self.dimension,
                Severity.MAJOR,
                evidence,
                words=ctx.word_count,
                limit=limit,
            )
        ]


SHALLOW = Shallow("depth.shallow", Dimension.DEPTH)

RULES: tuple[Rule, ...] = (
    SHALLOW,
    NoTradeoffs("depth.no_tradeoffs", Dimension.DEPTH, kinds=_SOLUTION_KINDS),
    MissingMarkers(
        "depth.no_assumptions",
        Dimension.DEPTH,
        kinds=_SYSTEM_DESIGN,
        categories=("assumptions",),
        severity=Severity.MAJOR,
    ),
    NoComplexity("depth.no_complexity", Dimension.DEPTH, kinds=_CODING),
    UmpireGaps("depth.umpire_gaps", Dimension.DEPTH, kinds=_CODING),
)
