"""Per-language rubric data: marker phrases, limits and text templates, read from YAML."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from bot.catalog import Language, Level
from bot.coaching.matcher import MatchMode

log = logging.getLogger(__name__)

SCHEMA_VERSION: Final = 1

UMPIRE_STEPS: Final = ("understand", "match", "plan", "implement", "review", "evaluate")

MARKERS: Final = (
    "fillers",
    "situation",
    "task",
    "action",
    "result",
    "vague_result",
    "metric_words",
    "metric_units",
    "tradeoffs",
    "assumptions",
    "complexity",
    *(f"umpire_{step}" for step in UMPIRE_STEPS),
    "hedges",
    "singular",
    "plural",
    "scale",
    "stakeholders",
    "mentoring",
    "ownership",
    "reasoning",
    "contrast",
    "examples",
    "episode",
    "generic",
    "reflection",
    "vague",
    "buzzwords",
    "blame",
    "denial",
    "dismissive",
    "absolutes",
    "shortcuts",
    "confusion",
    "receptive",
    "clarify",
    "sequence",
    "edge_cases",
    "testing",
    "components",
    "data_model",
    "failure_modes",
    "personal",
    "negation",
)

PRAISE_DIMENSIONS: Final = (
    "dimension.structure",
    "dimension.depth",
    "dimension.communication",
    "dimension.seniority",
)


class LexiconError(ValueError):
    """A rubric lexicon file is missing, malformed or incomplete."""


@dataclass(frozen=True, slots=True)
class RuleText:
    """A rule's message, one-line fix and coaching tip templates."""

    message: str
    fix: str
    tip: str


@dataclass(frozen=True, slots=True)
class Limits:
    """Language-specific thresholds (Korean counts space-separated words, not morphemes)."""

    shallow_words: Mapping[Level, int]
    rambling_words: Mapping[Level, int]
    long_sentence_words: int
    repetition_ratio: float
    hedge_density: float
    min_stem_chars: int


@dataclass(frozen=True, slots=True)
class CoachingText:
    """Templates for the praise / fix / tip coaching lines."""

    praise: Mapping[str, str]
    fix: str
    no_problem: str
    default_tip: str
    empty_praise: str
    empty_message: str
    empty_fix: str
    empty_tip: str


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything language-specific the rubric needs."""

    language: Language
    matching: MatchMode
    markers: Mapping[str, tuple[str, ...]]
    stopwords: frozenset[str]
    suffixes: tuple[str, ...]
    limits: Limits
    rules: Mapping[str, RuleText]
    umpire_steps: Mapping[str, str]
    list_separator: str
    coaching: CoachingText
    # Why an answer is off topic, by verdict (see bot/coaching/topics.py).
    off_topic_reasons: Mapping[str, str]
    # Told when the answer came in another language than the interview's.
    language_names: Mapping[str, str]

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Read and validate one lexicon file."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise LexiconError(f"{path}: cannot read: {exc}") from exc
        try:
            return cls.from_mapping(data)
        except LexiconError as exc:
            raise LexiconError(f"{path}: {exc}") from exc

    @classmethod
    def from_mapping(cls, data: Any) -> Lexicon:
        """Build a lexicon from parsed YAML, rejecting anything malformed."""
        root = _mapping(data, "file")
        if root.get("schema_version") != SCHEMA_VERSION:
            raise LexiconError(f"schema_version must be {SCHEMA_VERSION}")
        try:
            language = Language(_string(root.get("language"), "language"))
            matching = MatchMode(_string(root.get("matching"), "matching"))
        except ValueError as exc:
            raise LexiconError(str(exc)) from exc
        markers_raw = _mapping(root.get("markers"), "markers")
        markers = {name: _strings(markers_raw.get(name), f"markers.{name}") for name in MARKERS}
        unknown = set(markers_raw) - set(MARKERS)
        if unknown:
            raise LexiconError(f"unknown marker categories: {sorted(unknown)}")
        rules = {
            str(rule_id): _rule_text(value, f"rules.{rule_id}")
            for rule_id, value in _mapping(root.get("rules"), "rules").items()
        }
        steps_raw = _mapping(root.get("umpire_steps"), "umpire_steps")
        steps = {s: _string(steps_raw.get(s), f"umpire_steps.{s}") for s in UMPIRE_STEPS}
        return cls(
            language=language,
            matching=matching,
            markers=markers,
            stopwords=frozenset(_strings(root.get("stopwords"), "stopwords")),
            suffixes=_strings(root.get("suffixes", []), "suffixes", allow_empty=True),
            limits=_limits(root.get("limits")),
            rules=rules,
            umpire_steps=steps,
            list_separator=_string(root.get("list_separator"), "list_separator", strip=False),
            coaching=_coaching(root.get("coaching")),
            off_topic_reasons=_texts(root.get("off_topic_reasons"), "off_topic_reasons"),
            language_names=_texts(root.get("language_names"), "language_names"),
        )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise LexiconError(f"{where} must be a mapping")
    return value


def _string(value: Any, where: str, strip: bool = True) -> str:
    if not isinstance(value, str) or (strip and not value.strip()) or not value:
        raise LexiconError(f"{where} must be a non-empty string")
    return value


def _strings(value: Any, where: str, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise LexiconError(f"{where} must be a non-empty list of strings")
    return tuple(_string(item, where) for item in value)


def _texts(value: Any, where: str) -> dict[str, str]:
    raw = _mapping(value, where)
    return {str(k): _string(v, f"{where}.{k}") for k, v in raw.items()}


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LexiconError(f"{where} must be a non-negative integer")
    return value


def _float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise LexiconError(f"{where} must be a non-negative number")
    return float(value)


def _per_level(value: Any, where: str) -> dict[Level, int]:
    raw = _mapping(value, where)
    return {level: _int(raw.get(level.value), f"{where}.{level.value}") for level in Level}


def _limits(value: Any) -> Limits:
    raw = _mapping(value, "limits")
    return Limits(
        shallow_words=_per_level(raw.get("shallow_words"), "limits.shallow_words"),
        rambling_words=_per_level(raw.get("rambling_words"), "limits.rambling_words"),
        long_sentence_words=_int(raw.get("long_sentence_words"), "limits.long_sentence_words"),
        repetition_ratio=_float(raw.get("repetition_ratio"), "limits.repetition_ratio"),
        hedge_density=_float(raw.get("hedge_density"), "limits.hedge_density"),
        min_stem_chars=_int(raw.get("min_stem_chars"), "limits.min_stem_chars"),
    )


def _rule_text(value: Any, where: str) -> RuleText:
    raw = _mapping(value, where)
    return RuleText(
        message=_string(raw.get("message"), f"{where}.message"),
        fix=_string(raw.get("fix"), f"{where}.fix"),
        tip=_string(raw.get("tip"), f"{where}.tip"),
    )


def _coaching(value: Any) -> CoachingText:
    raw = _mapping(value, "coaching")
    praise_raw = _mapping(raw.get("praise"), "coaching.praise")
    praise = {str(k): _string(v, f"coaching.praise.{k}") for k, v in praise_raw.items()}
    for key in PRAISE_DIMENSIONS:
        if key not in praise:
            raise LexiconError(f"coaching.praise.{key} is missing")
    return CoachingText(
        praise=praise,
        fix=_string(raw.get("fix"), "coaching.fix"),
        no_problem=_string(raw.get("no_problem"), "coaching.no_problem"),
        default_tip=_string(raw.get("default_tip"), "coaching.default_tip"),
        empty_praise=_string(raw.get("empty_praise"), "coaching.empty_praise"),
        empty_message=_string(raw.get("empty_message"), "coaching.empty_message"),
        empty_fix=_string(raw.get("empty_fix"), "coaching.empty_fix"),
        empty_tip=_string(raw.get("empty_tip"), "coaching.empty_tip"),
    )
