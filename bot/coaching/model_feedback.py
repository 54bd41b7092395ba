"""Merge a model's feedback with the rubric: verify every quote, bound the score."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from bot.coaching.models import Coaching, Dimension, Evaluation, Evidence, Finding, Severity

log = logging.getLogger(__name__)

# How far the model may move the score away from the rubric's, either way.
MAX_SHIFT = 20
# Whatever the model says, an answer the rubric found off topic stays capped here.
OFF_TOPIC_CAP = 25

_QUOTE_MARKS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True, slots=True)
class ModelFinding:
    """A criticism or praise the model made, with the words it says the candidate used."""

    rule_id: str
    dimension: Dimension
    severity: Severity
    message: str
    fix: str
    quote: str | None = None
    positive: bool = False


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A better version of the answer and what it fixes."""

    style: str  # minimal | medium | ideal
    text: str
    fixes: tuple[str, ...] = ()
    estimated_score: int | None = None


@dataclass(frozen=True, slots=True)
class ModelFeedback:
    """The structured reply of the evaluation prompt."""

    dimensions: dict[Dimension, int]
    findings: tuple[ModelFinding, ...]
    praise: str
    fix: str
    tip: str
    follow_up: str | None = None
    rewrites: tuple[Rewrite, ...] = ()
    provider: str | None = None
    model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).translate(_QUOTE_MARKS).casefold()


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """Return text folded for matching, and for each kept character its original offset."""
    out: list[str] = []
    where: list[int] = []
    last_space = True
    for i, raw in enumerate(text):
        for ch in _fold(raw):
            if ch.isspace() or unicodedata.category(ch).startswith("P"):
                # Punctuation and spacing differ between a transcript and a model's quote.
                if not last_space:
                    out.append(" ")
                    where.append(i)
                    last_space = True
                continue
            out.append(ch)
            where.append(i)
            last_space = False
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def locate_quote(answer: str, quote: str) -> tuple[int, int] | None:
    """Return the (start, end) offsets in ``answer`` of ``quote`` under a normalised match."""
    needle, _ = _normalised_with_map(quote)
    needle = needle.strip()
    if len(needle) < 2:
        return None
    haystack, where = _normalised_with_map(answer)
    pos = haystack.find(needle)
    if pos < 0:
        return None
    start = where[pos]
    end = where[pos + len(needle) - 1] + 1
    return start, end


@dataclass(frozen=True, slots=True)
class MergeResult:
    """The merged evaluation and how many model quotes could not be verified."""

    evaluation: Evaluation
    dropped_quotes: int


def score_bounds(offline: Evaluation) -> tuple[int, int]:
    """Return the lowest and highest overall score the model may land on."""
    low = max(0, offline.score - MAX_SHIFT)
    high = min(100, offline.score + MAX_SHIFT)
    if not offline.on_topic or offline.word_count == 0:
        high = min(high, OFF_TOPIC_CAP, max(offline.score, 0) + 5)
        low = min(low, high)
    return low, high


def merge(answer: str, offline: Evaluation, model: ModelFeedback) -> MergeResult:
    """Return the model's feedback grounded in the answer and bounded by the rubric."""
    findings: list[Finding] = list(offline.findings)
    seen = {(f.rule_id, f.evidence.start) for f in findings}
    dropped = 0
    for mf in model.findings:
        evidence = Evidence.missing()
        if mf.quote:
            span = locate_quote(answer, mf.quote)
            if span is None:
                dropped += 1
                continue
            start, end = span
            evidence = Evidence(quote=answer[start:end], start=start, end=end)
        elif not mf.positive and not mf.rule_id.endswith("_missing"):
            # A criticism with no quote is only acceptable when it is about an absence.
            dropped += 1
            continue
        key = (mf.rule_id, evidence.start)
        if key in seen:
            continue
        seen.add(key)
        findings.append(
            Finding(
                rule_id=mf.rule_id,
                dimension=mf.dimension,
                severity=mf.severity,
                message=mf.message,
                fix=mf.fix,
                evidence=evidence,
                positive=mf.positive,
            )
        )
    if dropped:
        log.info("Dropped %d unverifiable model quote(s)", dropped)

    low, high = score_bounds(offline)
    dims: dict[Dimension, int] = {}
    for dim in Dimension:
        value = model.dimensions.get(dim, offline.dimensions.get(dim, offline.score))
        base = offline.dimensions.get(dim, offline.score)
        dims[dim] = max(0, min(100, base + max(-MAX_SHIFT, min(MAX_SHIFT, int(value) - base))))
    raw = round(sum(model.dimensions.get(d, dims[d]) for d in Dimension) / len(Dimension))
    score = max(low, min(high, raw))
    extra = dict(offline.extra)
    extra.update(model.extra)
    extra["rubric_score"] = offline.score
    extra["dropped_quotes"] = dropped
    if model.provider:
        extra["provider"] = model.provider
    if model.model:
        extra["model"] = model.model
    if model.follow_up:
        extra["follow_up"] = model.follow_up
    if model.rewrites:
        extra["rewrites"] = [
            {
                "style": r.style,
                "text": r.text,
                "fixes": list(r.fixes),
                "estimated_score": r.estimated_score,
            }
            for r in model.rewrites
        ]
    evaluation = replace(
        offline,
        score=score,
        dimensions=dims,
        findings=tuple(findings),
        coaching=Coaching(
            praise=model.praise or offline.coaching.praise,
            fix=model.fix or offline.coaching.fix,
            tip=model.tip or offline.coaching.tip,
        ),
        source="llm",
        extra=extra,
    )
    return MergeResult(evaluation, dropped)
