"""Plain-text renderings of engine results shared by the terminal and Discord."""

from __future__ import annotations

from bot.coaching.models import Dimension, Evaluation, Finding, Rewrite
from bot.interview.events import Comparison, Reevaluation, Summary

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


REWRITE_TITLES = {"minimal": "Minimal patch", "medium": "Medium rewrite", "ideal": "Ideal answer"}
PROVIDER_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic"}

# Headings of one answer's feedback, in the interview's language.
FEEDBACK_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "score": "Score",
        "praise": "What worked",
        "fix": "Fix first",
        "tip": "Tip",
        "evidence": "Evidence",
    },
    "ko": {
        "score": "점수",
        "praise": "잘한 점",
        "fix": "먼저 고칠 점",
        "tip": "팁",
        "evidence": "근거",
    },
}
_SOURCE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "llm": "Coached by {provider}",
        "budget": "Offline coach (today's AI budget is used up)",
        "failed": "Offline coach (the AI coach was unavailable)",
        "offline": "Offline coach",
        "the_ai": "the AI coach",
    },
    "ko": {
        "llm": "{provider} AI 코칭",
        "budget": "오프라인 코치 (오늘의 AI 사용량 소진)",
        "failed": "오프라인 코치 (AI 코치를 사용할 수 없음)",
        "offline": "오프라인 코치",
        "the_ai": "AI 코치",
    },
}
# The offline coach's texts start with their own heading; shown under ours it would repeat.
_LEADING_LABELS = ("What worked:", "Most important fix:", "잘한 점:", "가장 중요한 개선점:")


_PROBE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "answered": "Follow-up answered: that fills the gap",
        "answered_rule": "Follow-up answered: {title} is fixed",
        "open": "The follow-up is still open: {title} is still missing",
        "open_model": "The follow-up is still open: that did not add what it asked for",
        "grade_up": "question {number} grade {before} → {after}",
        "grade_same": "question {number} grade stays {after}",
    },
    "ko": {
        "answered": "후속 질문에 답했습니다: 빠진 부분을 채웠습니다",
        "answered_rule": "후속 질문에 답했습니다: {title} 해결",
        "open": "후속 질문이 아직 남아 있습니다: {title}",
        "open_model": "후속 질문이 아직 남아 있습니다: 질문이 요구한 내용이 더해지지 않았습니다",
        "grade_up": "{number}번 질문 점수 {before} → {after}",
        "grade_same": "{number}번 질문 점수 {after} 유지",
    },
}


def probe_line(evaluation: Evaluation, number: int, language: str = "en") -> str | None:
    """Return what a reply to a follow-up did for its question, or None for other answers."""
    result = evaluation.probe
    if result is None:
        return None
    texts = _PROBE_TEXTS.get(language, _PROBE_TEXTS["en"])
    title = rule_title(result.rule_id) if result.rule_id else ""
    if result.answered:
        head = texts["answered_rule"].format(title=title) if title else texts["answered"]
        if result.evidence.quote:
            head += f" (\u201c{shorten(result.evidence.quote, 100)}\u201d)"
    else:
        head = texts["open"].format(title=title) if title else texts["open_model"]
    grade = "grade_up" if evaluation.score > result.before else "grade_same"
    tail = texts[grade].format(number=number, before=result.before, after=evaluation.score)
    return f"{head} · {tail}"


def feedback_labels(language: str = "en") -> dict[str, str]:
    """Return the feedback headings for a language (English when it has none)."""
    return FEEDBACK_LABELS.get(language, FEEDBACK_LABELS["en"])


def without_heading(text: str) -> str:
    """Return coaching text without a heading it already carries ("What worked: ...")."""
    stripped = text.strip()
    for label in _LEADING_LABELS:
        if stripped.startswith(label):
            rest = stripped[len(label) :].strip()
            if rest:
                return rest[0].upper() + rest[1:]
    return stripped


def source_label(evaluation: Evaluation, language: str = "en") -> str:
    """Return who graded: "Coached by <provider>" or "Offline coach" with the reason."""
    texts = _SOURCE_LABELS.get(language, _SOURCE_LABELS["en"])
    if evaluation.source == "llm":
        provider = (evaluation.provenance.provider if evaluation.provenance else None) or texts[
            "the_ai"
        ]
        return texts["llm"].format(provider=PROVIDER_NAMES.get(provider, provider))
    if evaluation.budget_exhausted:
        return texts["budget"]
    if evaluation.model_missing:
        return texts["failed"]
    return texts["offline"]


def evaluation_note(evaluation: Evaluation) -> str | None:
    """Return the evaluator's note to the candidate (why the model was not used), if any."""
    note = evaluation.fallback.note if evaluation.fallback else None
    return note if note and note.strip() else None


def rewrites_of(evaluation: Evaluation) -> list[Rewrite]:
    """Return the model's rewrites stored with an evaluation."""
    return [r for r in evaluation.rewrites if r.text.strip()]


def _rewrite_head(rewrite: Rewrite) -> str:
    title = REWRITE_TITLES.get(rewrite.style, rewrite.style or "Rewrite")
    fixes = [rule_title(f) for f in rewrite.fixes]
    parts = [title]
    if fixes:
        parts.append("fixes " + ", ".join(fixes))
    if rewrite.estimated_score is not None:
        parts.append(f"est. {rewrite.estimated_score}/100")
    return " · ".join(parts)


def rewrites_summary(evaluation: Evaluation) -> str | None:
    """Return one line per rewrite (title, what it fixes, estimated score), or None."""
    rewrites = rewrites_of(evaluation)
    if not rewrites:
        return None
    return "\n".join(f"- {_rewrite_head(r)}" for r in rewrites)


def rewrite_blocks(evaluation: Evaluation) -> list[tuple[str, str]]:
    """Return (heading, text) for each rewrite, minimal patch first."""
    return [(_rewrite_head(r), r.text.strip()) for r in rewrites_of(evaluation)]


def _signed(delta: int) -> str:
    return f"+{delta}" if delta > 0 else str(delta) if delta < 0 else "±0"


def comparison_lines(comparison: Comparison) -> list[str]:
    """Return the change between two evaluations: score, dimensions, fixed and new rules."""
    before, after = comparison.before, comparison.after
    lines = [f"Score {before.score} -> {after.score} ({_signed(comparison.score_delta)})"]
    lines.extend(
        f"  {DIMENSION_LABELS[d]}: {old} -> {new} ({_signed(new - old)})"
        for d, (old, new) in comparison.dimensions.items()
    )
    if comparison.fixed:
        lines.append("Fixed: " + ", ".join(f"{rule_title(r)} ({r})" for r in comparison.fixed))
    if comparison.new:
        lines.append(
            "Newly triggered: " + ", ".join(f"{rule_title(r)} ({r})" for r in comparison.new)
        )
    if comparison.still:
        lines.append("Still open: " + ", ".join(rule_title(r) for r in comparison.still))
    if not (comparison.fixed or comparison.new or comparison.still):
        lines.append("No rubric issues in either attempt.")
    return lines


REEVALUATE_STOPPED = {
    "no_model": "No AI model key is configured on this bot, so answers can only be graded "
    "offline. Ask the bot's host to set OPENAI_API_KEY or ANTHROPIC_API_KEY.",
    "unavailable": "The AI coach is still unavailable. Your answers are saved; try again later.",
    "budget": "This server has used today's AI coaching budget. It resets tomorrow (UTC); "
    "try again then.",
}


def reevaluation_lines(result: Reevaluation) -> list[str]:
    """Return what a re-evaluation changed, or why it changed nothing."""
    if result.needed == 0:
        if result.offline_only:
            return [
                "Nothing to re-grade: no answer here was missed by an AI coach outage. "
                f"{result.offline_only} answer(s) were graded by the offline coach because no "
                "AI model key was configured; only answers the AI coach could not grade while "
                "it was down are re-graded."
            ]
        return [
            "Nothing to re-grade: every graded answer in this interview already has the "
            "AI coach's feedback."
        ]
    lines: list[str] = []
    if result.regraded:
        lines.append(f"Re-graded {len(result.regraded)} answer(s) with the AI coach:")
        for item in result.regraded:
            label = "follow-up of question" if item.turn.is_follow_up else "question"
            lines.append(f"{label.capitalize()} {item.number}: {shorten(item.turn.prompt, 80)}")
            lines.extend("  " + line for line in comparison_lines(item.comparison))
    if result.stopped is not None:
        lines.append(REEVALUATE_STOPPED.get(result.stopped, REEVALUATE_STOPPED["unavailable"]))
        if result.remaining:
            lines.append(f"{result.remaining} answer(s) still wait for the AI coach.")
    return lines
