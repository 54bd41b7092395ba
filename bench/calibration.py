"""Print the offline coach's judgement figures on published answers nobody here wrote.

Run from the repository root: `python bench/calibration.py [--json] [--no-speech]`.

For every level it grades the calibration set (tests/data/calibration) and prints: how often
the strong answer of a pair scores strictly higher (ties count as wrong), overall and on the
hard pairs (strong answer not twice as long), next to the length-only baseline; the median
scores of strong and weak answers; off-topic false alarms on strong answers and on on-topic
answers in their own words, and recall on the off-topic set; the same ranking per kind and
language; the rank correlation with published ratings. Held-out sets (every folder
tests/data/calibration_<name>, collected by someone who never saw the grader and not tuned
on) are graded at mid level and printed separately. Unless --no-speech, the filler
detection figures on spoken sentences (espeak-ng through faster-whisper tiny.en) from
bench/fillers.py. Prints figures, exits 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.catalog import Kind, Language, Level, Question  # noqa: E402
from bot.coaching.answer import Answer  # noqa: E402
from bot.coaching.calibration import CalibrationSet, Graded, Report, measure  # noqa: E402
from bot.coaching.rubric import Rubric  # noqa: E402

log = logging.getLogger(__name__)

DATA = ROOT / "tests" / "data" / "calibration"
HELD_OUT = ROOT / "tests" / "data"


def grader(rubric: Rubric):  # type: ignore[no-untyped-def]
    def grade(question: str, answer: str, kind: Kind, language: Language, level: Level) -> Graded:
        q = Question("calibration", kind, language, (level,), (), question, "")
        evaluation = rubric.evaluate(Answer(answer), q, level, language)
        return Graded(evaluation.score, evaluation.on_topic)

    return grade


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _report_lines(name: str, report: Report) -> list[str]:
    r, h = report.ranking, report.hard
    lr, lh = report.length_ranking, report.length_hard
    return [
        f"{name} [{report.level.value}] pairs {r.total}: ranking {_pct(r.accuracy)} "
        f"({r.right}/{r.total}) vs length {_pct(lr.accuracy)}; hard pairs {h.total}: "
        f"{_pct(h.accuracy)} ({h.right}/{h.total}) vs length {_pct(lh.accuracy)}",
        f"    medians: strong {report.strong_median:.0f}, weak {report.weak_median:.0f}; "
        f"off topic: {len(report.strong_off_topic)} strong answers flagged, "
        f"recall {_pct(report.off_topic_recall.accuracy)} "
        f"({report.off_topic_recall.right}/{report.off_topic_recall.total}), "
        f"{len(report.on_topic_false_alarms)} false alarms on own-words answers"
        + (
            f"; rating correlation {report.rated_correlation:.2f}"
            if report.rated_correlation is not None
            else ""
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Grade the sets and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-speech", action="store_true", help="skip the filler figures")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    rubric = Rubric.load(ROOT / "prompts")
    grade = grader(rubric)
    data = CalibrationSet.load(DATA)
    started = time.perf_counter()
    reports = {level: measure(data, grade, level) for level in Level}
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "set": {
            "pairs": len(data.pairs),
            "hard_pairs": sum(1 for p in data.pairs if p.hard),
            "rated": len(data.rated),
            "off_topic": len(data.off_topic),
            "on_topic_own_words": len(data.on_topic),
            "sources": len({p.source for p in data.pairs}),
        },
        "levels": {level.value: reports[level].as_dict() for level in Level},
        "grading_seconds": round(seconds, 2),
    }
    lines = [
        f"Calibration set: {len(data.pairs)} pairs "
        f"({result['set']['hard_pairs']} hard) from {result['set']['sources']} sources, "
        f"{len(data.rated)} rated answers, {len(data.off_topic)} off-topic and "
        f"{len(data.on_topic)} own-words answers; graded 3 levels in {seconds:.1f} s"
    ]
    for level in Level:
        lines += _report_lines("calibration", reports[level])
    mid = reports[Level.MID]
    groups = sorted(mid.by_group.items())
    lines.append(
        "    mid, per group: "
        + ", ".join(f"{k} {_pct(v.accuracy)} ({v.right}/{v.total})" for k, v in groups)
    )
    if mid.wrong_pairs:
        lines.append("    mid, pairs ranked wrong: " + ", ".join(mid.wrong_pairs))

    result["held_out"] = {}
    for folder in sorted(HELD_OUT.glob("calibration_*")):
        if not folder.is_dir() or not any(folder.glob("*.jsonl")):
            continue
        name = folder.name.removeprefix("calibration_")
        held_report = measure(CalibrationSet.load(folder), grade, Level.MID)
        result["held_out"][name] = held_report.as_dict()
        lines += _report_lines(f"held-out {name}", held_report)
        if held_report.wrong_pairs:
            lines.append(f"    {name}, pairs ranked wrong: " + ", ".join(held_report.wrong_pairs))

    if not args.no_speech:
        try:
            from bench.fillers import measure_fillers

            fillers = measure_fillers(ROOT / "tests" / "data" / "fillers" / "spoken_en.jsonl")
            result["fillers"] = {k: v for k, v in fillers.items() if k != "per_sentence"}
            lines.append(
                f"Fillers on spoken sentences (espeak-ng -> tiny.en): precision "
                f"{fillers['precision']:.2f}, recall {fillers['recall']:.2f} "
                f"(held-out sentences: {fillers['holdout_precision']:.2f} / "
                f"{fillers['holdout_recall']:.2f})"
            )
        except Exception as exc:  # a benchmark reports what it could not measure
            lines.append(f"Fillers: not measured ({type(exc).__name__}: {exc})")

    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
