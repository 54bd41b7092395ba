"""Plain-text renderings of engine results shared by the terminal and Discord."""

from __future__ import annotations

from bot.coaching.models import Dimension, Evaluation, Finding
from bot.interview.events import Summary

DIMENSION_LABELS = {
    Dimension.STRUCTURE: "Structure",
    Dimension.DEPTH: "Depth",
    Dimension.COMMUNICATION: "Communication",
    Dimension.SENIORITY: "Seniority",
}

RULE_TITLES = {
    "structure.situation_missing": "Situation missing",
    "structure.task_missing": "Task missing",
    "structure.action_missing": "Your actions missing",
    "structure.result_missing": "Result missing",
    "structure.result_vague": "Vague result",
    "structure.no_metrics": "No numbers",
    "depth.no_tradeoffs": "No trade-offs",
    "depth.no_assumptions": "No stated assumptions",
    "depth.no_complexity": "No complexity analysis",
    "depth.umpire_gaps": "UMPIRE steps skipped",
    "depth.shallow": "Too shallow",
    "communication.rambling": "Rambling",
    "communication.hedging": "Hedging",
    "communication.we_without_i": '"We" without your role',
    "communication.off_topic": "Off topic",
    "seniority.no_scale": "No sense of scale",
    "seniority.no_stakeholders": "No stakeholders",
    "seniority.no_mentoring": "No mentoring or leverage",
    "delivery.filler_spike": "Many filler words",
}


def rule_title(rule_id: str) -> str:
    """Return a short human title for a rule id."""
    if rule_id in RULE_TITLES:
        return RULE_TITLES[rule_id]
    return rule_id.split(".", 1)[-1].replace("_", " ").capitalize()


def shorten(text: str, limit: int) -> str:
    """Return ``text`` cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def evidence_text(finding: Finding, limit: int = 120) -> str:
    """Return the finding's evidence as a quote, or the "absent" marker."""
    ev = finding.evidence
    if ev.absent:
        return "(absent from the answer)"
    where = ""
    if ev.start_ms is not None and ev.end_ms is not None:
        where = f" at {ev.start_ms / 1000:.1f}s"
    return f"\u201c{shorten(ev.quote or '', limit)}\u201d{where}"


def finding_line(finding: Finding) -> str:
    """Return one line: severity, title, evidence and the fix."""
    return (
        f"[{finding.severity.value}] {rule_title(finding.rule_id)}: {evidence_text(finding)}"
        f" -> {finding.fix}"
    )


def dimensions_line(evaluation: Evaluation) -> str:
    """Return the four dimension scores on one line."""
    return " · ".join(
        f"{DIMENSION_LABELS[d]} {evaluation.dimensions[d]}"
        for d in Dimension
        if d in evaluation.dimensions
    )


def summary_lines(summary: Summary) -> list[str]:
    """Return the session summary as lines of text."""
    s = summary.session
    lines = [
        f"Kind: {s.kind.value.replace('_', ' ')} · level {s.start_level.value}"
        + (f" -> {s.level.value}" if s.level is not s.start_level else ""),
        f"Answered: {summary.answered} · skipped: {summary.skipped}",
    ]
    if summary.average_score is not None:
        lines.append(f"Average score: {summary.average_score:.0f}/100")
        lines.append("Scores: " + ", ".join(str(x) for x in summary.scores))
    if summary.dimensions:
        lines.append(
            "Dimensions: "
            + " · ".join(f"{DIMENSION_LABELS[d]} {v:.0f}" for d, v in summary.dimensions.items())
        )
    if summary.recurring:
        lines.append("Work on:")
        lines.extend(
            f"  - {rule_title(r.rule_id)} ({r.count}x): {r.fix}" for r in summary.recurring
        )
    if summary.best is not None and summary.best.evaluation is not None:
        lines.append(
            f"Strongest answer: \u201c{shorten(summary.best.prompt, 80)}\u201d "
            f"({summary.best.evaluation.score}/100)"
        )
    if summary.answered == 0:
        lines.append("No answers were graded in this session.")
    return lines
