"""Value types of the coaching domain: findings, evidence and evaluations."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    """How much a finding matters."""

    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"

    @property
    def weight(self) -> int:
        """Return the points a finding of this severity costs before scaling."""
        return {Severity.INFO: 0, Severity.MINOR: 8, Severity.MAJOR: 18}[self]


class Dimension(enum.StrEnum):
    """The four scored dimensions of an answer."""

    STRUCTURE = "structure"
    DEPTH = "depth"
    COMMUNICATION = "communication"
    SENIORITY = "seniority"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where in the answer a finding comes from, or an explicit "absent" marker."""

    quote: str | None = None
    start: int | None = None
    end: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None

    @property
    def absent(self) -> bool:
        """Tell whether the finding is about something missing from the answer."""
        return self.quote is None

    @classmethod
    def missing(cls) -> Evidence:
        """Return the marker for something the answer does not contain."""
        return cls()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        if self.absent:
            return {"absent": True}
        data: dict[str, Any] = {
            "absent": False,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
        }
        if self.start_ms is not None:
            data["start_ms"] = self.start_ms
            data["end_ms"] = self.end_ms
        return data


@dataclass(frozen=True, slots=True)
class Finding:
    """One rubric observation with its evidence and a one-line fix."""

    rule_id: str
    dimension: Dimension
    severity: Severity
    message: str
    fix: str
    evidence: Evidence
    positive: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "rule_id": self.rule_id,
            "dimension": self.dimension.value,
            "severity": self.severity.value,
            "positive": self.positive,
            "message": self.message,
            "fix": self.fix,
            "evidence": self.evidence.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Coaching:
    """Coaching text in the order a good coach speaks: praise, the fix, one tip."""

    praise: str
    fix: str
    tip: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of grading one answer."""

    score: int
    dimensions: dict[Dimension, int]
    findings: tuple[Finding, ...]
    coaching: Coaching
    on_topic: bool = True
    source: str = "offline"
    word_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def problems(self) -> tuple[Finding, ...]:
        """Return the findings that criticise, most severe first."""
        order = {Severity.MAJOR: 0, Severity.MINOR: 1, Severity.INFO: 2}
        bad = [f for f in self.findings if not f.positive]
        return tuple(sorted(bad, key=lambda f: order[f.severity]))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "score": self.score,
            "dimensions": {d.value: v for d, v in self.dimensions.items()},
            "on_topic": self.on_topic,
            "source": self.source,
            "word_count": self.word_count,
            "findings": [f.to_dict() for f in self.findings],
            "coaching": {
                "praise": self.coaching.praise,
                "fix": self.coaching.fix,
                "tip": self.coaching.tip,
            },
            **self.extra,
        }
