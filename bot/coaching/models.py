"""Value types of the coaching domain: findings, evidence and evaluations."""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

OFFLINE = "offline"
LLM = "llm"


class Severity(enum.StrEnum):
    """How much a finding matters."""

    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"


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

    def shifted(self, offset: int) -> Evidence:
        """Return the same evidence with its character offsets moved by ``offset``."""
        if self.absent or self.start is None or self.end is None:
            return self
        return replace(self, start=self.start + offset, end=self.end + offset)

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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Evidence:
        """Rebuild evidence written by ``to_dict``."""
        data = data or {}
        if data.get("absent", True):
            return cls.missing()
        return cls(
            quote=data.get("quote"),
            start=data.get("start"),
            end=data.get("end"),
            start_ms=data.get("start_ms"),
            end_ms=data.get("end_ms"),
        )


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild a finding written by ``to_dict``."""
        return cls(
            rule_id=str(data["rule_id"]),
            dimension=Dimension(data["dimension"]),
            severity=Severity(data["severity"]),
            message=str(data["message"]),
            fix=str(data["fix"]),
            evidence=Evidence.from_dict(data.get("evidence")),
            positive=bool(data.get("positive", False)),
        )


@dataclass(frozen=True, slots=True)
class Coaching:
    """Coaching text in the order a good coach speaks: praise, the fix, one tip."""

    praise: str
    fix: str
    tip: str


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A better version of the answer and what it fixes."""

    style: str  # minimal | medium | ideal
    text: str
    fixes: tuple[str, ...] = ()
    estimated_score: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "style": self.style,
            "text": self.text,
            "fixes": list(self.fixes),
            "estimated_score": self.estimated_score,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rewrite | None:
        """Rebuild a rewrite, or None when the stored one is malformed."""
        text = data.get("text")
        if not isinstance(text, str):
            return None
        score = data.get("estimated_score")
        return cls(
            style=str(data.get("style", "minimal")),
            text=text,
            fixes=tuple(str(f) for f in data.get("fixes") or ()),
            estimated_score=score if isinstance(score, int) else None,
        )


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which model graded, with which prompt, at what cost in tokens."""

    provider: str | None = None
    model: str | None = None
    prompt_id: str | None = None
    prompt_version: str | None = None
    prompt_language: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0


class ModelGap(enum.StrEnum):
    """Why a model was wanted for a grade and not used."""

    UNAVAILABLE = "unavailable"
    BUDGET = "budget"


@dataclass(frozen=True, slots=True)
class Fallback:
    """The offline coach graded in the model's place: why, and what to tell the candidate."""

    gap: ModelGap
    note: str
    detail: str = ""
    resets_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Probe:
    """A follow-up question and the gap it probes (a rubric rule, or None for a model's)."""

    text: str
    rule_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """Whether a reply to a follow-up supplied what the follow-up asked for."""

    rule_id: str | None
    answered: bool
    before: int
    evidence: Evidence = field(default_factory=Evidence.missing)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of grading one answer."""

    score: int
    dimensions: dict[Dimension, int]
    findings: tuple[Finding, ...]
    coaching: Coaching
    on_topic: bool = True
    source: str = OFFLINE
    word_count: int = 0
    assessed: tuple[Dimension, ...] = tuple(Dimension)
    # How the answer relates to the question (see bot/coaching/topics.py Verdict).
    topic: str = "on_topic"
    # The language the answer was written in, when it differs from the interview's.
    answer_language: str | None = None
    # The offline rubric's score, kept when a model graded.
    rubric_score: int | None = None
    dropped_quotes: int = 0
    # The follow-up question a model suggested.
    model_follow_up: str | None = None
    rewrites: tuple[Rewrite, ...] = ()
    provenance: Provenance | None = None
    fallback: Fallback | None = None
    # Set on the grade of a reply to a follow-up.
    probe: ProbeResult | None = None

    @property
    def problems(self) -> tuple[Finding, ...]:
        """Return the findings that criticise, most severe first."""
        order = {Severity.MAJOR: 0, Severity.MINOR: 1, Severity.INFO: 2}
        bad = [f for f in self.findings if not f.positive]
        return tuple(sorted(bad, key=lambda f: order[f.severity]))

    @property
    def model_missing(self) -> bool:
        """Tell whether a model was wanted and the offline coach graded instead."""
        return self.fallback is not None

    @property
    def budget_exhausted(self) -> bool:
        """Tell whether the offline coach graded because the day's budget was spent."""
        return self.fallback is not None and self.fallback.gap is ModelGap.BUDGET

    def details(self) -> dict[str, Any]:
        """Return everything beyond score, dimensions, findings and coaching, JSON-ready."""
        data: dict[str, Any] = {
            "assessed_dimensions": [d.value for d in self.assessed],
            "topic": self.topic,
            "word_count": self.word_count,
        }
        if self.answer_language is not None:
            data["answer_language"] = self.answer_language
        if self.rubric_score is not None:
            data["rubric_score"] = self.rubric_score
        if self.dropped_quotes:
            data["dropped_quotes"] = self.dropped_quotes
        if self.model_follow_up:
            data["follow_up"] = self.model_follow_up
        if self.rewrites:
            data["rewrites"] = [r.to_dict() for r in self.rewrites]
        if self.provenance is not None:
            data["provenance"] = {
                k: getattr(self.provenance, k) for k in Provenance.__dataclass_fields__
            }
        if self.fallback is not None:
            data["fallback"] = {
                "gap": self.fallback.gap.value,
                "note": self.fallback.note,
                "detail": self.fallback.detail,
                "resets_at": self.fallback.resets_at.isoformat()
                if self.fallback.resets_at
                else None,
            }
        if self.probe is not None:
            data["probe"] = {
                "rule_id": self.probe.rule_id,
                "answered": self.probe.answered,
                "before": self.probe.before,
                "evidence": self.probe.evidence.to_dict(),
            }
        return data

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "score": self.score,
            "dimensions": {d.value: v for d, v in self.dimensions.items()},
            "on_topic": self.on_topic,
            "source": self.source,
            "findings": [f.to_dict() for f in self.findings],
            "coaching": {
                "praise": self.coaching.praise,
                "fix": self.coaching.fix,
                "tip": self.coaching.tip,
            },
            **self.details(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evaluation:
        """Rebuild an evaluation written by ``to_dict`` (or by an older version of it)."""
        coaching = data.get("coaching") or {}
        base = cls(
            score=int(data["score"]),
            dimensions={Dimension(k): int(v) for k, v in data["dimensions"].items()},
            findings=tuple(Finding.from_dict(f) for f in data.get("findings", [])),
            coaching=Coaching(
                praise=coaching.get("praise", ""),
                fix=coaching.get("fix", ""),
                tip=coaching.get("tip", ""),
            ),
            on_topic=bool(data.get("on_topic", True)),
            source=str(data.get("source", OFFLINE)),
        )
        # Older versions kept these under "extra"; both shapes are read.
        details = {**(data.get("extra") or {}), **data}
        return base.with_details(details)

    def with_details(self, details: Mapping[str, Any]) -> Evaluation:
        """Return this evaluation with the fields ``details()`` writes read back."""
        assessed = details.get("assessed_dimensions")
        provenance = details.get("provenance")
        if provenance is None and details.get("provider"):
            # Written before provenance had its own field.
            provenance = {
                k: details.get(k)
                for k in Provenance.__dataclass_fields__
                if details.get(k) is not None
            }
        rewrites = [
            Rewrite.from_dict(r) for r in details.get("rewrites") or () if isinstance(r, dict)
        ]
        return replace(
            self,
            word_count=int(details.get("word_count") or self.word_count),
            assessed=tuple(Dimension(d) for d in assessed) if assessed else self.assessed,
            topic=str(details.get("topic") or self.topic),
            answer_language=details.get("answer_language"),
            rubric_score=details.get("rubric_score"),
            dropped_quotes=int(details.get("dropped_quotes") or 0),
            model_follow_up=details.get("follow_up"),
            rewrites=tuple(r for r in rewrites if r is not None),
            provenance=Provenance(**provenance) if isinstance(provenance, dict) else None,
            fallback=_fallback(details),
            probe=_probe(details.get("probe")),
        )


def _fallback(details: Mapping[str, Any]) -> Fallback | None:
    """Read why the offline coach stood in for the model, in either stored shape."""
    raw = details.get("fallback")
    if isinstance(raw, dict):
        resets = raw.get("resets_at")
        return Fallback(
            gap=ModelGap(raw.get("gap", ModelGap.UNAVAILABLE.value)),
            note=str(raw.get("note") or ""),
            detail=str(raw.get("detail") or ""),
            resets_at=datetime.fromisoformat(resets) if resets else None,
        )
    if not details.get("llm_failed"):
        return None
    budget = bool(details.get("llm_budget_exhausted") or details.get("budget_exhausted"))
    resets = details.get("budget_resets_at")
    return Fallback(
        gap=ModelGap.BUDGET if budget else ModelGap.UNAVAILABLE,
        note=str(details.get("note") or ""),
        detail=str(details.get("llm_error") or ""),
        resets_at=datetime.fromisoformat(resets) if isinstance(resets, str) else None,
    )


def _probe(raw: Any) -> ProbeResult | None:
    if not isinstance(raw, dict):
        return None
    return ProbeResult(
        rule_id=raw.get("rule_id"),
        answered=bool(raw.get("answered")),
        before=int(raw.get("before") or 0),
        evidence=Evidence.from_dict(raw.get("evidence")),
    )
