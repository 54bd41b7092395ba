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
# Below this many words a missing "because" says more about length than about reasoning.
_REASONING_MIN_WORDS = 30
# Vague words and buzzwords per 100 words, and how few details make them a problem.
_VAGUE_DENSITY = 3.0
_VAGUE_MAX_DETAILS = 2


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
        """Fire when no trade-off or contrast marker occurs."""
        if ctx.found("tradeoffs") or ctx.found("contrast"):
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


@dataclass(frozen=True)
class NoReasoning(Rule):
    """The answer says what, never why."""

    def check(self, ctx: Context) -> list[Finding]:
        """Fire on an answer long enough to reason in that gives no reason at all."""
        if ctx.found("reasoning") or ctx.signals.words < _REASONING_MIN_WORDS:
            return []
        return [self.absent(ctx, Severity.MINOR)]


@dataclass(frozen=True)
class Vague(Rule):
    """Generic words and buzzwords where the details should be."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first vague phrase when vagueness is dense and details are few."""
        signals = ctx.signals
        density = signals.per_100("vague", "buzzwords")
        if density < _VAGUE_DENSITY or signals.numbers + signals.named > _VAGUE_MAX_DETAILS:
            return []
        found = sorted(ctx.found("vague") + ctx.found("buzzwords"), key=lambda m: m.start)
        severity = Severity.MAJOR if density >= 2 * _VAGUE_DENSITY else Severity.MINOR
        return [ctx.finding(self.id, self.dimension, severity, ctx.evidence_of(found[0]))]


@dataclass(frozen=True)
class Shortcuts(Rule):
    """The answer skips the care the work needs (no testing, pushing it out, passing it on)."""

    def check(self, ctx: Context) -> list[Finding]:
        """Quote the first shortcut."""
        found = ctx.found("shortcuts")
        if not found:
            return []
        # One shortcut can be a slip; several are a way of working.
        severity = Severity.MAJOR if len(found) >= 2 else Severity.MINOR
        return [ctx.finding(self.id, self.dimension, severity, ctx.evidence_of(found[0]))]


SHALLOW = Shallow("depth.shallow", Dimension.DEPTH)

RULES: tuple[Rule, ...] = (
    SHALLOW,
    NoTradeoffs("depth.no_tradeoffs", Dimension.DEPTH, kinds=_SOLUTION_KINDS),
    MissingMarkers(
        "depth.no_assumptions",
        Dimension.DEPTH,
        kinds=_SYSTEM_DESIGN,
        categories=("assumptions", "clarify"),
        severity=Severity.MAJOR,
    ),
    NoReasoning("depth.no_reasoning", Dimension.DEPTH),
    Vague("depth.vague", Dimension.DEPTH),
    Shortcuts("depth.shortcuts", Dimension.DEPTH),
    NoComplexity("depth.no_complexity", Dimension.DEPTH, kinds=_CODING),
    UmpireGaps("depth.umpire_gaps", Dimension.DEPTH, kinds=_CODING),
)
