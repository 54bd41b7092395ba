"""What every rubric rule is: an id, a dimension, where it applies, and a check."""

from __future__ import annotations

import abc
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.catalog import Kind, Level
from bot.coaching.context import Context
from bot.coaching.models import Dimension, Evidence, Finding, Severity

log = logging.getLogger(__name__)

ALL_KINDS = frozenset(Kind)
ALL_LEVELS = frozenset(Level)
ABOVE_JUNIOR = frozenset({Level.MID, Level.SENIOR})


@dataclass(frozen=True)
class Rule(abc.ABC):
    """One rubric rule; ``check`` returns findings whose ``rule_id`` is this rule's id."""

    id: str
    dimension: Dimension
    kinds: frozenset[Kind] = field(default=ALL_KINDS)
    levels: frozenset[Level] = field(default=ALL_LEVELS)

    def applies(self, kind: Kind, level: Level) -> bool:
        """Tell whether the rule grades answers of this kind at this level."""
        return kind in self.kinds and level in self.levels

    @abc.abstractmethod
    def check(self, ctx: Context) -> list[Finding]:
        """Return the rule's findings for one answer."""

    def absent(self, ctx: Context, severity: Severity, **params: Any) -> Finding:
        """Return a finding about something the answer lacks."""
        return ctx.finding(self.id, self.dimension, severity, Evidence.missing(), **params)


@dataclass(frozen=True)
class MissingMarkers(Rule):
    """Fire when none of the given marker categories occurs in the answer."""

    categories: tuple[str, ...] = ()
    severity: Severity = Severity.MINOR

    def check(self, ctx: Context) -> list[Finding]:
        """Return one absent-evidence finding if no marker of the categories occurs."""
        if any(ctx.found(c) for c in self.categories):
            return []
        return [self.absent(ctx, self.severity)]
