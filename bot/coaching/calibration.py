"""Measure the grader on labelled answers nobody on the project wrote.

The calibration set lives in ``tests/data/calibration/*.jsonl``: pairs of a weaker and a
stronger published answer to the same question, single answers with a published rating,
deliberately off-topic answers, and on-topic answers in the candidate's own words. Each
published item keeps its source and the source's label; the text is paraphrased.

Nothing here grades: callers pass a ``Grader`` so the test and the benchmark measure the
same thing the same way.
"""

from __future__ import annotations

import json
import logging
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.catalog import Kind, Language, Level

log = logging.getLogger(__name__)

# A pair is hard when the strong answer is less than this many times as long as the weak one.
HARD_RATIO = 2.0


@dataclass(frozen=True, slots=True)
class Graded:
    """What the calibration needs from one grading."""

    score: int
    on_topic: bool


Grader = Callable[[str, str, Kind, Language, Level], Graded]
"""(question, answer, kind, language, level) -> grade."""


@dataclass(frozen=True, slots=True)
class Pair:
    """A weaker and a stronger published answer to the same question."""

    id: str
    kind: Kind
    language: Language
    question: str
    weak: str
    strong: str
    source: str

    @property
    def hard(self) -> bool:
        """Tell whether the strong answer is not at least twice as long as the weak one."""
        return length(self.strong) < HARD_RATIO * length(self.weak)


@dataclass(frozen=True, slots=True)
class Rated:
    """One published answer with its published rating normalised to 0..1."""

    id: str
    kind: Kind
    language: Language
    question: str
    answer: str
    rating: float
    source: str
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Labelled:
    """An answer known to be off topic (or known to be on topic, in its own words)."""

    id: str
    kind: Kind
    language: Language
    question: str
    answer: str
    type: str


@dataclass(slots=True)
class CalibrationSet:
    """Everything under the calibration folder."""

    pairs: list[Pair] = field(default_factory=list)
    rated: list[Rated] = field(default_factory=list)
    off_topic: list[Labelled] = field(default_factory=list)
    on_topic: list[Labelled] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path) -> CalibrationSet:
        """Read every ``*.jsonl`` file of the folder; raise ValueError on a malformed line."""
        data = cls()
        for path in sorted(folder.glob("*.jsonl")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    data._add(json.loads(line), path.stem)
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path.name}:{number}: {exc}") from exc
        return data

    def _add(self, raw: Mapping[str, Any], stem: str) -> None:
        kind = Kind(raw["kind"])
        language = Language(raw["language"])
        question = str(raw["question"])
        kind_of = str(raw.get("type", ""))
        source = _source(raw.get("source"))
        if kind_of == "pair":
            self.pairs.append(
                Pair(
                    str(raw["id"]),
                    kind,
                    language,
                    question,
                    str(raw["weak"]),
                    str(raw["strong"]),
                    source,
                )
            )
        elif kind_of == "single":
            rating = raw["rating"]
            self.rated.append(
                Rated(
                    str(raw["id"]),
                    kind,
                    language,
                    question,
                    str(raw["answer"]),
                    float(rating["normalised"]),
                    source,
                    raw.get("group"),
                )
            )
        elif stem.startswith("off_topic"):
            self.off_topic.append(
                Labelled(str(raw["id"]), kind, language, question, str(raw["answer"]), kind_of)
            )
        elif stem.startswith("on_topic"):
            self.on_topic.append(
                Labelled(str(raw["id"]), kind, language, question, str(raw["answer"]), kind_of)
            )
        else:
            raise ValueError(f"unknown item type {kind_of!r}")


def _source(raw: Any) -> str:
    """Return a source's address (or title) for grouping results by source."""
    if isinstance(raw, Mapping):
        return str(raw.get("url") or raw.get("title") or "")
    return str(raw or "")


def length(text: str) -> int:
    """Return the length used by the length-only baseline: characters that are not spaces."""
    return sum(1 for ch in text if not ch.isspace())


@dataclass(frozen=True, slots=True)
class Ranking:
    """How often the strong answer of a pair scores strictly higher; ties count as wrong."""

    right: int
    total: int

    @property
    def accuracy(self) -> float:
        """Return the share right (0 when there are no pairs)."""
        return self.right / self.total if self.total else 0.0


def rank(pairs: Iterable[tuple[float, float]]) -> Ranking:
    """Return the ranking accuracy of (weak, strong) scores."""
    values = list(pairs)
    return Ranking(sum(1 for weak, strong in values if strong > weak), len(values))


@dataclass(slots=True)
class Report:
    """The grader's figures on a calibration set."""

    level: Level
    ranking: Ranking
    hard: Ranking
    length_ranking: Ranking
    length_hard: Ranking
    strong_median: float
    weak_median: float
    strong_off_topic: list[str]
    off_topic_recall: Ranking
    off_topic_missed: list[str]
    on_topic_false_alarms: list[str]
    wrong_pairs: list[str]
    by_group: dict[str, Ranking]
    rated_correlation: float | None
    pair_scores: dict[str, tuple[int, int]]

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form."""
        return {
            "level": self.level.value,
            "pairs": self.ranking.total,
            "ranking_accuracy": round(self.ranking.accuracy, 3),
            "hard_pairs": self.hard.total,
            "hard_accuracy": round(self.hard.accuracy, 3),
            "length_accuracy": round(self.length_ranking.accuracy, 3),
            "length_hard_accuracy": round(self.length_hard.accuracy, 3),
            "strong_median": self.strong_median,
            "weak_median": self.weak_median,
            "strong_off_topic": len(self.strong_off_topic),
            "off_topic_recall": round(self.off_topic_recall.accuracy, 3),
            "on_topic_false_alarms": len(self.on_topic_false_alarms),
            "rated_correlation": (
                None if self.rated_correlation is None else round(self.rated_correlation, 3)
            ),
            "by_group": {
                k: {"right": v.right, "total": v.total, "accuracy": round(v.accuracy, 3)}
                for k, v in sorted(self.by_group.items())
            },
        }


def measure(data: CalibrationSet, grade: Grader, level: Level = Level.MID) -> Report:
    """Grade every item of ``data`` at ``level`` and return the figures."""
    pair_scores: dict[str, tuple[int, int]] = {}
    scored: list[tuple[Pair, Graded, Graded]] = []
    for pair in data.pairs:
        weak = grade(pair.question, pair.weak, pair.kind, pair.language, level)
        strong = grade(pair.question, pair.strong, pair.kind, pair.language, level)
        scored.append((pair, weak, strong))
        pair_scores[pair.id] = (weak.score, strong.score)
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for pair, weak, strong in scored:
        values = (float(weak.score), float(strong.score))
        groups[f"kind:{pair.kind.value}"].append(values)
        groups[f"language:{pair.language.value}"].append(values)
    off_hits = []
    missed = []
    for item in data.off_topic:
        result = grade(item.question, item.answer, item.kind, item.language, level)
        off_hits.append((0.0, 0.0 if result.on_topic else 1.0))
        if result.on_topic:
            missed.append(item.id)
    alarms = [
        item.id
        for item in data.on_topic
        if not grade(item.question, item.answer, item.kind, item.language, level).on_topic
    ]
    correlation = None
    if len(data.rated) >= 3:
        ratings = [r.rating for r in data.rated]
        scores = [
            float(grade(r.question, r.answer, r.kind, r.language, level).score) for r in data.rated
        ]
        correlation = spearman(ratings, scores)
    return Report(
        level=level,
        ranking=rank((w.score, s.score) for _, w, s in scored),
        hard=rank((w.score, s.score) for p, w, s in scored if p.hard),
        length_ranking=rank((length(p.weak), length(p.strong)) for p in data.pairs),
        length_hard=rank((length(p.weak), length(p.strong)) for p in data.pairs if p.hard),
        strong_median=_median([s.score for _, _, s in scored]),
        weak_median=_median([w.score for _, w, _ in scored]),
        strong_off_topic=[p.id for p, _, s in scored if not s.on_topic],
        off_topic_recall=rank(off_hits),
        off_topic_missed=missed,
        on_topic_false_alarms=alarms,
        wrong_pairs=[p.id for p, w, s in scored if s.score <= w.score],
        by_group={k: rank(v) for k, v in groups.items()},
        rated_correlation=correlation,
        pair_scores=pair_scores,
    )


def _median(values: Sequence[int]) -> float:
    return float(statistics.median(values)) if values else 0.0


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Return Spearman's rank correlation of two equally long sequences (ties averaged)."""
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0
        i = j + 1
    return ranks
