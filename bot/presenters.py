"""Plain-text renderings of engine results shared by the terminal and Discord.

Every word comes from the copy catalogue (``bot/copy/<language>/feedback.yaml``), so a Korean
session reads Korean in both places.
"""

from __future__ import annotations

from bot.catalog import Language
from bot.coaching.models import Dimension, Evaluation, Finding, Rewrite
from bot.copy import as_language, catalogue, text
from bot.interview.events import Comparison, Reevaluation, Summary

PROVIDER_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic"}
# The offline coach's texts start with their own heading; shown under ours it would repeat.
_LEADING_LABELS = ("What worked:", "Most important fix:", "잘한 점:", "가장 중요한 개선점:")

Lang = Language | str


def dimension_label(dimension: Dimension, language: Lang = Language.EN) -> str:
    """Return a dimension's name in a language."""
    return text(f"feedback.dimensions.{dimension.value}", language)


def rule_title(rule_id: str, language: Lang = Language.EN) -> str:
    """Return a short human title for a rule id (a readable fallback for unknown ids)."""
    key = f"feedback.rules.{rule_id}"
    if catalogue().has(key):
        return text(key, language)
    return rule_id.split(".", 1)[-1].replace("_", " ").capitalize()


def kind_name(kind_value: str, language: Lang = Language.EN) -> str:
    """Return an interview kind's name ("system design") in a language."""
    return text(f"common.kinds.{kind_value}", language)


def level_name(level_value: str, language: Lang = Language.EN) -> str:
    """Return a level's name in a language."""
    return text(f"common.levels.{level_value}", language)


def shorten(value: str, limit: int) -> str:
    """Return ``value`` cut at a word boundary to at most ``limit`` characters."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def clock(ms: int) -> str:
    """Return a time in a recording as m:ss ("1:12"), cut to the second it falls in."""
    # Cut, not rounded: a player set to 0:00 plays a phrase that starts at 0.9 s.
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def evidence_text(finding: Finding, limit: int = 120, language: Lang = Language.EN) -> str:
    """Return the finding's evidence as a quote, or the "absent" marker."""
    ev = finding.evidence
    if ev.absent:
        return text("feedback.labels.absent", language)
    where = ""
    if ev.start_ms is not None and ev.end_ms is not None:
        where = text("feedback.labels.at_seconds", language, seconds=clock(ev.start_ms))
    return f"\u201c{shorten(ev.quote or '', limit)}\u201d{where}"


def finding_line(finding: Finding, language: Lang = Language.EN) -> str:
    """Return one line: severity, title, evidence and the fix."""
    title = rule_title(finding.rule_id, language)
    evidence = evidence_text(finding, language=language)
    severity = text(f"feedback.severity.{finding.severity.value}", language)
    return f"[{severity}] {title}: {evidence} -> {finding.fix}"


def dimensions_line(evaluation: Evaluation, language: Lang = Language.EN) -> str:
    """Return the four dimension scores on one line."""
    return " · ".join(
        f"{dimension_label(d, language)} {evaluation.dimensions[d]}"
        for d in Dimension
        if d in evaluation.dimensions
    )


def summary_lines(summary: Summary, language: Lang = Language.EN) -> list[str]:
    """Return the session summary as lines of text."""
    s = summary.session
    moved = (
        text("feedback.summary.level_moved", language, level=level_name(s.level.value, language))
        if s.level is not s.start_level
        else ""
    )
    lines = [
        text(
            "feedback.summary.kind_level",
            language,
            kind=kind_name(s.kind.value, language),
            level=level_name(s.start_level.value, language),
        )
        + moved,
        text(
            "feedback.summary.answered",
            language,
            answered=summary.answered,
            skipped=summary.skipped,
        ),
    ]
    if summary.average_score is not None:
        lines.append(
            text("feedback.summary.average", language, average=f"{summary.average_score:.0f}")
        )
        scores = ", ".join(str(x) for x in summary.scores)
        lines.append(text("feedback.summary.scores", language, scores=scores))
    if summary.dimensions:
        dims = " · ".join(
            f"{dimension_label(d, language)} {v:.0f}" for d, v in summary.dimensions.items()
        )
        lines.append(text("feedback.summary.dimensions", language, dimensions=dims))
    if summary.recurring:
        lines.append(text("feedback.summary.work_on", language))
        lines.extend(
            text(
                "feedback.summary.recurring",
                language,
                title=rule_title(r.rule_id, language),
                count=r.count,
                fix=r.fix,
            )
            for r in summary.recurring
        )
    # The question's grade (its latest, follow-up-merged evaluation) is the one the average
    # and the score list use; the first answer's own score would contradict them.
    best = summary.best
    grade = s.question_grade(best) if best is not None else None
    if best is not None and grade is not None:
        lines.append(
            text(
                "feedback.summary.strongest",
                language,
                prompt=shorten(best.prompt, 80),
                score=grade.score,
            )
        )
    if summary.answered == 0:
        lines.append(text("feedback.summary.nothing_graded", language))
    return lines


def probe_line(evaluation: Evaluation, number: int, language: Lang = Language.EN) -> str | None:
    """Return what a reply to a follow-up did for its question, or None for other answers."""
    result = evaluation.probe
    if result is None:
        return None
    title = rule_title(result.rule_id, language) if result.rule_id else ""
    if result.answered:
        head = (
            text("feedback.probe.answered_rule", language, title=title)
            if title
            else text("feedback.probe.answered", language)
        )
        if result.evidence.quote:
            head += f" (\u201c{shorten(result.evidence.quote, 100)}\u201d)"
    else:
        head = (
            text("feedback.probe.open", language, title=title)
            if title
            else text("feedback.probe.open_model", language)
        )
    key = "grade_up" if evaluation.score > result.before else "grade_same"
    tail = text(
        f"feedback.probe.{key}",
        language,
        number=number,
        before=result.before,
        after=evaluation.score,
    )
    return f"{head} · {tail}"


def feedback_labels(language: Lang = Language.EN) -> dict[str, str]:
    """Return the feedback headings for a language."""
    keys = ("score", "praise", "fix", "tip", "evidence", "note")
    return {k: text(f"feedback.labels.{k}", language) for k in keys}


def without_heading(value: str) -> str:
    """Return coaching text without a heading it already carries ("What worked: ...")."""
    stripped = value.strip()
    for label in _LEADING_LABELS:
        if stripped.startswith(label):
            rest = stripped[len(label) :].strip()
            if rest:
                return rest[0].upper() + rest[1:]
    return stripped


def source_label(evaluation: Evaluation, language: Lang = Language.EN) -> str:
    """Return who graded: "Coached by <provider>" or "Offline coach" with the reason."""
    if evaluation.source == "llm":
        provider = evaluation.provenance.provider if evaluation.provenance else None
        name = (
            PROVIDER_NAMES.get(provider, provider)
            if provider
            else text("feedback.source.the_ai", language)
        )
        return text("feedback.source.llm", language, provider=name)
    if evaluation.budget_exhausted:
        return text("feedback.source.budget", language)
    if evaluation.model_missing:
        return text("feedback.source.failed", language)
    return text("feedback.source.offline", language)


def evaluation_note(evaluation: Evaluation) -> str | None:
    """Return the evaluator's note to the candidate (why the model was not used), if any."""
    note = evaluation.fallback.note if evaluation.fallback else None
    return note if note and note.strip() else None


def rewrites_of(evaluation: Evaluation) -> list[Rewrite]:
    """Return the model's rewrites stored with an evaluation."""
    return [r for r in evaluation.rewrites if r.text.strip()]


def _rewrite_head(rewrite: Rewrite, language: Lang) -> str:
    style = rewrite.style if rewrite.style in ("minimal", "medium", "ideal") else "other"
    parts = [text(f"feedback.rewrites.{style}", language)]
    if rewrite.fixes:
        titles = ", ".join(rule_title(f, language) for f in rewrite.fixes)
        parts.append(text("feedback.rewrites.fixes", language, titles=titles))
    if rewrite.estimated_score is not None:
        parts.append(text("feedback.rewrites.estimate", language, score=rewrite.estimated_score))
    return " · ".join(parts)


def rewrites_summary(evaluation: Evaluation, language: Lang = Language.EN) -> str | None:
    """Return one line per rewrite (title, what it fixes, estimated score), or None."""
    rewrites = rewrites_of(evaluation)
    if not rewrites:
        return None
    return "\n".join(f"- {_rewrite_head(r, language)}" for r in rewrites)


def rewrite_blocks(evaluation: Evaluation, language: Lang = Language.EN) -> list[tuple[str, str]]:
    """Return (heading, text) for each rewrite, minimal patch first."""
    return [(_rewrite_head(r, language), r.text.strip()) for r in rewrites_of(evaluation)]


def _signed(delta: int) -> str:
    return f"+{delta}" if delta > 0 else str(delta) if delta < 0 else "±0"


def comparison_lines(comparison: Comparison, language: Lang = Language.EN) -> list[str]:
    """Return the change between two evaluations: score, dimensions, fixed and new rules."""
    before, after = comparison.before, comparison.after
    lines = [
        text(
            "feedback.comparison.score",
            language,
            before=before.score,
            after=after.score,
            delta=_signed(comparison.score_delta),
        )
    ]
    lines.extend(
        text(
            "feedback.comparison.dimension",
            language,
            dimension=dimension_label(d, language),
            before=old,
            after=new,
            delta=_signed(new - old),
        )
        for d, (old, new) in comparison.dimensions.items()
    )

    def named(rules: tuple[str, ...], with_id: bool = True) -> str:
        return ", ".join(
            f"{rule_title(r, language)} ({r})" if with_id else rule_title(r, language)
            for r in rules
        )

    if comparison.fixed:
        lines.append(text("feedback.comparison.fixed", language, rules=named(comparison.fixed)))
    if comparison.new:
        lines.append(text("feedback.comparison.new", language, rules=named(comparison.new)))
    if comparison.still:
        lines.append(
            text("feedback.comparison.still", language, rules=named(comparison.still, False))
        )
    if not (comparison.fixed or comparison.new or comparison.still):
        lines.append(text("feedback.comparison.none", language))
    return lines


def reevaluation_lines(result: Reevaluation, language: Lang = Language.EN) -> list[str]:
    """Return what a re-evaluation changed, or why it changed nothing."""
    if result.needed == 0:
        if result.offline_only:
            return [
                text("feedback.reevaluation.nothing_offline", language, count=result.offline_only)
            ]
        return [text("feedback.reevaluation.nothing", language)]
    lines: list[str] = []
    if result.regraded:
        lines.append(text("feedback.reevaluation.regraded", language, count=len(result.regraded)))
        for item in result.regraded:
            key = "follow_up" if item.turn.is_follow_up else "question"
            lines.append(
                text(
                    f"feedback.reevaluation.{key}",
                    language,
                    number=item.number,
                    prompt=shorten(item.turn.prompt, 80),
                )
            )
            lines.extend("  " + line for line in comparison_lines(item.comparison, language))
    if result.stopped is not None:
        stopped = result.stopped if result.stopped in ("no_model", "budget") else "unavailable"
        lines.append(text(f"feedback.reevaluation.stopped_{stopped}", language))
        if result.remaining:
            lines.append(text("feedback.reevaluation.remaining", language, count=result.remaining))
    return lines


__all__ = [
    "as_language",
    "clock",
    "comparison_lines",
    "dimension_label",
    "dimensions_line",
    "evaluation_note",
    "evidence_text",
    "feedback_labels",
    "finding_line",
    "kind_name",
    "level_name",
    "probe_line",
    "reevaluation_lines",
    "rewrite_blocks",
    "rewrites_of",
    "rewrites_summary",
    "rule_title",
    "shorten",
    "source_label",
    "summary_lines",
    "without_heading",
]
