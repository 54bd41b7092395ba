"""Turn the evaluation prompt's parsed JSON sections into a validated ``ModelFeedback``.

Structure errors (a missing section, a list where an object belongs, a score that is not a
number) raise ``FeedbackFormatError``: the caller falls back to the offline evaluation. One
bad item inside a list (a finding without a message, a rewrite of an unknown style) is only
skipped and counted, so a single sloppy finding does not throw away a good evaluation.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from bot.coaching.model_feedback import ModelFeedback, ModelFinding
from bot.coaching.models import Dimension, Rewrite, Severity
from bot.coaching.rules import RULE_IDS
from bot.llm.types import LLMError

log = logging.getLogger(__name__)

REQUIRED_SECTIONS: tuple[str, ...] = ("dimensions", "findings", "praise", "fix", "tip")
MAX_FINDINGS = 8
MAX_REWRITES = 3
MAX_TEXT = 1500
MAX_REWRITE_TEXT = 4000
# Rule ids of model findings start with this, so reports can tell them from rubric rules.
MODEL_RULE_PREFIX = "llm."
MISSING_SUFFIX = "_missing"

_SEVERITIES = {
    "info": Severity.INFO,
    "note": Severity.INFO,
    "low": Severity.MINOR,
    "minor": Severity.MINOR,
    "medium": Severity.MINOR,
    "moderate": Severity.MINOR,
    "major": Severity.MAJOR,
    "high": Severity.MAJOR,
    "critical": Severity.MAJOR,
    "severe": Severity.MAJOR,
}

_STYLES = {
    "minimal": "minimal",
    "minimal_patch": "minimal",
    "patch": "minimal",
    "medium": "medium",
    "medium_rewrite": "medium",
    "rewrite": "medium",
    "ideal": "ideal",
    "ideal_answer": "ideal",
    "model_answer": "ideal",
    "best": "ideal",
}

# Words a model uses for a problem, mapped to the dimension the rubric scores it under.
_DIMENSION_HINTS: tuple[tuple[str, Dimension], ...] = (
    ("structure", Dimension.STRUCTURE),
    ("star", Dimension.STRUCTURE),
    ("situation", Dimension.STRUCTURE),
    ("task", Dimension.STRUCTURE),
    ("action", Dimension.STRUCTURE),
    ("result", Dimension.STRUCTURE),
    ("organi", Dimension.STRUCTURE),
    ("order", Dimension.STRUCTURE),
    ("depth", Dimension.DEPTH),
    ("detail", Dimension.DEPTH),
    ("trade", Dimension.DEPTH),
    ("metric", Dimension.DEPTH),
    ("technical", Dimension.DEPTH),
    ("complex", Dimension.DEPTH),
    ("assumption", Dimension.DEPTH),
    ("evidence", Dimension.DEPTH),
    ("senior", Dimension.SENIORITY),
    ("leader", Dimension.SENIORITY),
    ("scope", Dimension.SENIORITY),
    ("scale", Dimension.SENIORITY),
    ("stakeholder", Dimension.SENIORITY),
    ("influence", Dimension.SENIORITY),
    ("mentor", Dimension.SENIORITY),
    ("impact", Dimension.SENIORITY),
    ("owner", Dimension.SENIORITY),
)


class FeedbackFormatError(LLMError):
    """The model's evaluation JSON is missing a section or has the wrong shape."""


def _text(value: Any, where: str, *, limit: int = MAX_TEXT, required: bool = True) -> str:
    """Return a trimmed string, or raise if ``value`` is not one."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise FeedbackFormatError(f"{where} must be a string, got {type(value).__name__}")
    text = value.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clamp_score(value: Any, where: str) -> int:
    """Return a 0..100 integer score, or raise if ``value`` is not a number."""
    if isinstance(value, bool):
        raise FeedbackFormatError(f"{where} must be a number, got a boolean")
    if isinstance(value, str):
        try:
            value = float(value.strip().rstrip("%"))
        except ValueError:
            raise FeedbackFormatError(f"{where} must be a number, got {value!r}") from None
    if not isinstance(value, int | float):
        raise FeedbackFormatError(f"{where} must be a number, got {type(value).__name__}")
    if math.isnan(value):
        raise FeedbackFormatError(f"{where} is not a number (NaN)")
    if math.isinf(value):
        return 100 if value > 0 else 0
    return max(0, min(100, round(value)))


def guess_dimension(*hints: str | None) -> Dimension:
    """Return the dimension a free-form label points to (communication if nothing matches)."""
    for hint in hints:
        if not hint:
            continue
        low = hint.strip().lower()
        try:
            return Dimension(low)
        except ValueError:
            pass
        head = low.split(".", 1)[0]
        try:
            return Dimension(head)
        except ValueError:
            pass
        for word, dim in _DIMENSION_HINTS:
            if word in low:
                return dim
    # Clarity, tone, rambling, off-topic and whatever else a model invents are about delivery.
    return Dimension.COMMUNICATION


def _dimensions(value: Any) -> dict[Dimension, int]:
    """Validate the four dimension scores."""
    if not isinstance(value, Mapping):
        raise FeedbackFormatError(f"'dimensions' must be an object, got {type(value).__name__}")
    scores: dict[Dimension, int] = {}
    for raw_key, raw_value in value.items():
        try:
            dim = Dimension(str(raw_key).strip().lower())
        except ValueError:
            log.debug("ignoring unknown dimension %r in model reply", raw_key)
            continue
        if isinstance(raw_value, Mapping) and "score" in raw_value:
            raw_value = raw_value["score"]
        scores[dim] = clamp_score(raw_value, f"dimensions.{dim.value}")
    missing = [d.value for d in Dimension if d not in scores]
    if missing:
        raise FeedbackFormatError(f"'dimensions' lacks {missing}")
    return scores


def _quote(value: Any) -> str | None:
    """Return the quoted words, or None when the finding is about something absent."""
    if not isinstance(value, str):
        return None
    text = value.strip().strip('"').strip()
    if not text or text.lower() in {"null", "none", "n/a"}:
        return None
    return text


def _finding(item: Any, index: int) -> tuple[str, ModelFinding]:
    """Validate one finding; return the model's id for it and the finding."""
    where = f"findings[{index}]"
    if not isinstance(item, Mapping):
        raise FeedbackFormatError(f"{where} must be an object")
    message = _text(item.get("message"), f"{where}.message")
    if not message:
        raise FeedbackFormatError(f"{where}.message is empty")
    fix = _text(item.get("fix"), f"{where}.fix", required=False)
    quote = _quote(item.get("quote"))
    positive = item.get("positive") is True
    raw_dim = item.get("dimension")
    raw_rule = item.get("rule_id")
    rule_hint = raw_rule if isinstance(raw_rule, str) else None
    dim_hint = raw_dim if isinstance(raw_dim, str) else None
    raw_severity = item.get("severity")
    severity = (
        _SEVERITIES.get(raw_severity.strip().lower(), Severity.MINOR)
        if isinstance(raw_severity, str)
        else Severity.MINOR
    )
    if rule_hint in RULE_IDS:
        rule_id = rule_hint
        positive = positive or rule_id.startswith("positive.")
        dimension = guess_dimension(dim_hint if positive else rule_id, dim_hint)
    else:
        dimension = guess_dimension(dim_hint, rule_hint)
        rule_id = f"{MODEL_RULE_PREFIX}{dimension.value}"
        if quote is None and not positive:
            # merge() keeps an unquoted criticism only when it names an absence.
            rule_id += MISSING_SUFFIX
    raw_id = item.get("id")
    finding_id = str(raw_id).strip() if isinstance(raw_id, str | int) else f"f{index + 1}"
    return finding_id, ModelFinding(
        rule_id=rule_id,
        dimension=dimension,
        severity=Severity.INFO if positive else severity,
        message=message,
        fix=fix,
        quote=quote,
        positive=positive,
    )


def _findings(value: Any) -> tuple[dict[str, str], list[ModelFinding], int]:
    """Validate the findings list; return id -> rule id, the findings and how many were bad."""
    if not isinstance(value, list):
        raise FeedbackFormatError(f"'findings' must be a list, got {type(value).__name__}")
    ids: dict[str, str] = {}
    findings: list[ModelFinding] = []
    skipped = 0
    for i, item in enumerate(value[: MAX_FINDINGS * 2]):
        try:
            finding_id, finding = _finding(item, i)
        except FeedbackFormatError as exc:
            skipped += 1
            log.debug("skipping a model finding: %s", exc)
            continue
        if len(findings) >= MAX_FINDINGS:
            skipped += 1
            continue
        ids.setdefault(finding_id, finding.rule_id)
        findings.append(finding)
    return ids, findings, skipped


def _rewrite(item: Any, index: int, ids: Mapping[str, str]) -> Rewrite:
    """Validate one rewrite and resolve the finding ids it says it fixes."""
    where = f"rewrites[{index}]"
    if not isinstance(item, Mapping):
        raise FeedbackFormatError(f"{where} must be an object")
    raw_style = item.get("style")
    if raw_style is None and "better" in item:
        # The older {"quote", "better"} form is a minimal patch.
        style = "minimal"
        text = _text(item.get("better"), f"{where}.better", limit=MAX_REWRITE_TEXT)
    else:
        key = str(raw_style).strip().lower().replace(" ", "_").replace("-", "_")
        if key not in _STYLES:
            raise FeedbackFormatError(f"{where}.style {raw_style!r} is not minimal/medium/ideal")
        style = _STYLES[key]
        text = _text(item.get("text"), f"{where}.text", limit=MAX_REWRITE_TEXT)
    if not text:
        raise FeedbackFormatError(f"{where} has no text")
    fixes: list[str] = []
    raw_fixes = item.get("fixes")
    if isinstance(raw_fixes, str):
        raw_fixes = [raw_fixes]
    if isinstance(raw_fixes, list):
        for ref in raw_fixes:
            if not isinstance(ref, str | int):
                continue
            name = str(ref).strip()
            resolved = ids.get(name) or (name if name in RULE_IDS else None)
            if resolved and resolved not in fixes:
                fixes.append(resolved)
    raw_score = item.get("estimated_score")
    estimated: int | None = None
    if raw_score is not None:
        try:
            estimated = clamp_score(raw_score, f"{where}.estimated_score")
        except FeedbackFormatError:
            estimated = None
    return Rewrite(style=style, text=text, fixes=tuple(fixes), estimated_score=estimated)


def _rewrites(value: Any, ids: Mapping[str, str]) -> tuple[list[Rewrite], int]:
    """Validate the rewrites; keep one per style, first wins."""
    if value is None:
        return [], 0
    if not isinstance(value, list):
        raise FeedbackFormatError(f"'rewrites' must be a list, got {type(value).__name__}")
    rewrites: list[Rewrite] = []
    skipped = 0
    for i, item in enumerate(value[: MAX_REWRITES * 2]):
        try:
            rewrite = _rewrite(item, i, ids)
        except FeedbackFormatError as exc:
            skipped += 1
            log.debug("skipping a model rewrite: %s", exc)
            continue
        if any(r.style == rewrite.style for r in rewrites):
            skipped += 1
            continue
        rewrites.append(rewrite)
    order = {"minimal": 0, "medium": 1, "ideal": 2}
    return sorted(rewrites, key=lambda r: order[r.style]), skipped


def _follow_up(value: Any) -> str | None:
    """Return the suggested follow-up question, or None if the model gave none."""
    if isinstance(value, Mapping):
        value = value.get("question") or value.get("follow_up")
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:300] or None


def _on_topic(value: Any) -> bool | None:
    """Return the model's call on whether the answer is on topic (None if it made none)."""
    if isinstance(value, Mapping):
        value = value.get("on_topic", value.get("value"))
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "false", "no"}:
        return value.strip().lower() in {"true", "yes"}
    return None


def parse_feedback(
    sections: Mapping[str, Any],
    *,
    provider: str | None = None,
    model: str | None = None,
    required: tuple[str, ...] = REQUIRED_SECTIONS,
) -> ModelFeedback:
    """Validate the evaluation reply's sections and return them as ``ModelFeedback``."""
    missing = [k for k in required if k not in sections]
    if missing:
        raise FeedbackFormatError(f"the reply lacks sections {missing}")
    dimensions = _dimensions(sections.get("dimensions"))
    ids, findings, skipped_findings = _findings(sections.get("findings", []))
    rewrites, skipped_rewrites = _rewrites(sections.get("rewrites"), ids)
    extra: dict[str, int] = {}
    if skipped_findings:
        extra["skipped_findings"] = skipped_findings
    if skipped_rewrites:
        extra["skipped_rewrites"] = skipped_rewrites
    return ModelFeedback(
        dimensions=dimensions,
        findings=tuple(findings),
        praise=_text(sections.get("praise"), "praise", required=False),
        fix=_text(sections.get("fix"), "fix", required=False),
        tip=_text(sections.get("tip"), "tip", required=False),
        follow_up=_follow_up(sections.get("follow_up")),
        rewrites=tuple(rewrites),
        provider=provider,
        model=model,
        on_topic=_on_topic(sections.get("on_topic")),
        skipped=skipped_findings + skipped_rewrites,
        extra=extra,
    )
