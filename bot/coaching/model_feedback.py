"""Merge a model's feedback with the rubric's hard facts: the model judges, facts bound it.

Policy (the README's "How an answer is graded" says the same):

- With a model, the model's dimension scores stand, and the overall score follows from them
  by the same rule as offline (``scoring.combine``). Whether the answer is on topic is the
  model's call.
- The deterministic side bounds only hard facts: an empty or very short answer (every
  dimension scaled by its length, as offline), an answer with no interview content (noise or
  a refusal), and an answer that tries to instruct the grader (both capped low).
- Every quote the model attributes to the candidate must be in the answer: a finding whose
  quote is not found is dropped, and a sentence of the praise, fix or tip that quotes words
  the candidate never said is removed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Final

from bot.catalog import Kind, Level
from bot.coaching.models import (
    LLM,
    Coaching,
    Dimension,
    Evaluation,
    Evidence,
    Finding,
    Provenance,
    Rewrite,
    Severity,
)
from bot.coaching.scoring import (
    INJECTION_CAP,
    NO_CONTENT_CAP,
    OFF_TOPIC_CAP,
    Caps,
    combine,
)

log = logging.getLogger(__name__)

_QUOTE_MARKS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
# Quoted words in prose: "double" or “curly” quotes, or 'single' ones around a phrase.
_PROSE_QUOTE: Final = re.compile(r"[\"“]([^\"“”\n]{3,}?)[\"”]|(?<!\w)'([^'\n]{6,}?)'(?!\w)")
# In the fix and tip, a quote is the candidate's own only when the text says so.
_ATTRIBUTION: Final = re.compile(
    r"(you said|you say|you wrote|you mentioned|you used|you called|your answer|your words|"
    r"when you|말씀하신|라고 하셨|하신 말|답변의|답변에서)[^.!?\n]{0,40}$",
    re.IGNORECASE,
)
_SENTENCE: Final = re.compile(r"[^.!?。\n]+[.!?。]*\s*")


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
    on_topic: bool | None = None
    skipped: int = 0
    extra: dict[str, int] = field(default_factory=dict)


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


def verified_prose(text: str, answer: str, *, attributed_only: bool) -> tuple[str, int]:
    """Remove the sentences quoting words the candidate never said; return text and count.

    With ``attributed_only`` (the fix and the tip), only quotes the text presents as the
    candidate's ("you said ...") are checked: suggested wording may be quoted freely.
    """
    kept: list[str] = []
    dropped = 0
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0)
        bad = False
        for quote in _PROSE_QUOTE.finditer(sentence):
            words = quote.group(1) or quote.group(2) or ""
            if attributed_only and not _ATTRIBUTION.search(sentence[: quote.start()]):
                continue
            if locate_quote(answer, words) is None:
                bad = True
                break
        if bad:
            dropped += 1
        else:
            kept.append(sentence)
    return "".join(kept).strip(), dropped


@dataclass(frozen=True, slots=True)
class MergeResult:
    """The merged evaluation and how many model quotes could not be verified."""

    evaluation: Evaluation
    dropped_quotes: int


def _verified_findings(answer: str, model: ModelFeedback) -> tuple[list[Finding], int]:
    """Return the model's findings grounded in the answer, and how many were dropped."""
    findings: list[Finding] = []
    seen: set[tuple[str, int | None]] = set()
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
    return findings, dropped


# Offline findings that state hard facts, kept next to the model's findings.
HARD_FACTS: Final = frozenset(
    {"depth.shallow", "communication.instructs_grader", "communication.language_mismatch"}
)


def merge(
    answer: str,
    offline: Evaluation,
    model: ModelFeedback,
    kind: Kind,
    level: Level,
    caps: Caps,
) -> MergeResult:
    """Return the model's evaluation, grounded in the answer and bounded by hard facts."""
    findings, dropped = _verified_findings(answer, model)
    on_topic = True if model.on_topic is None else model.on_topic
    kept = [
        f
        for f in offline.findings
        if f.rule_id in HARD_FACTS
        or f.rule_id.startswith("delivery.")
        or (f.rule_id == "communication.off_topic" and caps.no_content)
    ]
    bounds = replace(caps, off_topic=not on_topic)
    dims: dict[Dimension, int] = {}
    for dim in Dimension:
        value = float(model.dimensions.get(dim, offline.dimensions.get(dim, offline.score)))
        value *= bounds.length_factor
        if bounds.no_content:
            value = min(value, NO_CONTENT_CAP)
        elif bounds.off_topic:
            value = min(value, OFF_TOPIC_CAP)
        if bounds.injection:
            value = min(value, INJECTION_CAP)
        dims[dim] = max(0, min(100, round(value)))
    praise, lost_praise = verified_prose(model.praise, answer, attributed_only=False)
    fix, lost_fix = verified_prose(model.fix, answer, attributed_only=True)
    tip, lost_tip = verified_prose(model.tip, answer, attributed_only=True)
    dropped += lost_praise + lost_fix + lost_tip
    if dropped:
        log.info("Dropped %d unverifiable model quote(s)", dropped)
    evaluation = replace(
        offline,
        score=combine(dims, kind, level),
        dimensions=dims,
        findings=tuple(kept + findings),
        coaching=Coaching(
            praise=praise or offline.coaching.praise,
            fix=fix or offline.coaching.fix,
            tip=tip or offline.coaching.tip,
        ),
        on_topic=on_topic and not caps.no_content,
        topic=offline.topic
        if caps.no_content or on_topic is offline.on_topic
        else ("on_topic" if on_topic else "model_off_topic"),
        source=LLM,
        rubric_score=offline.score,
        dropped_quotes=dropped,
        model_follow_up=model.follow_up,
        rewrites=model.rewrites,
        provenance=Provenance(provider=model.provider, model=model.model),
        fallback=None,
    )
    return MergeResult(evaluation, dropped)
