"""The session report: one interview as a document, in the interview's language.

Cover (role, kind, level, date, overall score), four charts (the dimensions, the score of
each question, problems per dimension, words per answer), then every question with the
answer (the transcript when spoken), its score, each finding with the quoted evidence (and,
for spoken answers, when it was said), praise, fix and tip, delivery notes and, when a model
graded, its rewrites; then strengths, gaps ranked by severity and three actions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.catalog import Language
from bot.coaching.models import Dimension, Evaluation, Finding, Severity
from bot.copy import text
from bot.interview.events import Summary
from bot.interview.models import Attempt, Session, SessionStatus, Turn, TurnStatus
from bot.presenters import (
    dimension_label,
    kind_name,
    level_name,
    rewrite_blocks,
    rule_title,
    shorten,
    source_label,
    without_heading,
)
from bot.reports.charts import BarPanel, ChartSpec, LinePanel
from bot.reports.document import (
    Block,
    Bullets,
    Chart,
    Document,
    Facts,
    Heading,
    PageBreak,
    Paragraph,
    Score,
)

log = logging.getLogger(__name__)

ACTIONS = 3
QUOTE_LIMIT = 220
_SEVERITY_RANK = {Severity.MAJOR: 0, Severity.MINOR: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """Everything the session report shows: the session, its summary, retries per turn."""

    session: Session
    summary: Summary
    attempts: Mapping[int, Sequence[Attempt]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Gap:
    """A problem seen in the interview: how severe, in how many answers, and its fix."""

    rule_id: str
    severity: Severity
    count: int
    fix: str


def session_document(facts: SessionFacts) -> Document:
    """Return the report of one interview."""
    session, summary = facts.session, facts.summary
    lang = session.language
    title = text("reports.session.title", lang)
    subtitle = text(
        "reports.session.subtitle",
        lang,
        kind=kind_name(session.kind.value, lang),
        level=level_name(session.start_level.value, lang),
        date=session.created_at.date().isoformat(),
    )
    blocks: list[Block] = [*_cover(facts), *_charts(summary, lang)]
    blocks.append(PageBreak())
    for number, main in enumerate(session.main_turns, start=1):
        blocks += _question(session, main, number, facts.attempts)
    blocks += _conclusions(summary, lang)
    return Document(
        title=title,
        subtitle=subtitle,
        language=lang.value,
        blocks=tuple(blocks),
        footer=text("reports.session.footer", lang, id=session.id or 0),
        keywords=("interview", session.kind.value, session.start_level.value),
    )


# ---- cover and charts ---------------------------------------------------------------------


def _cover(facts: SessionFacts) -> list[Block]:
    session, summary = facts.session, facts.summary
    lang = session.language
    average = summary.average_score
    score = f"{average:.0f}/100" if average is not None else text("reports.session.no_score", lang)
    level = level_name(session.start_level.value, lang)
    if session.level is not session.start_level:
        moved = level_name(session.level.value, lang)
        level = text("reports.session.level_moved", lang, start=level, end=moved)
    status = text(f"interview.statuses.{session.status.value}", lang)
    rows = [
        (text("reports.session.role", lang), session.role or text("reports.session.no_role", lang)),
        (text("reports.session.kind", lang), kind_name(session.kind.value, lang)),
        (text("reports.session.level", lang), level),
        (text("reports.session.date", lang), session.created_at.strftime("%Y-%m-%d %H:%M UTC")),
        (
            text("reports.session.questions", lang),
            text(
                "reports.session.answered",
                lang,
                answered=summary.answered,
                skipped=summary.skipped,
                total=session.question_count,
            ),
        ),
        (text("reports.session.status", lang), status),
        (text("reports.session.graders", lang), _graders(session, lang)),
    ]
    blocks: list[Block] = [
        Score(score, text("reports.session.overall", lang)),
        Facts(tuple(rows)),
    ]
    if session.status is SessionStatus.ACTIVE:
        blocks.append(Paragraph(text("reports.session.still_running", lang), style="muted"))
    return blocks


def _graders(session: Session, lang: Language) -> str:
    labels = [source_label(t.evaluation, lang) for t in session.turns if t.evaluation is not None]
    unique = list(dict.fromkeys(labels))
    return ", ".join(unique) if unique else text("reports.session.not_graded", lang)


def _graded(summary: Summary) -> list[tuple[int, Evaluation]]:
    """Return (question number, grade) for each graded main question."""
    session = summary.session
    found = []
    for number, main in enumerate(session.main_turns, start=1):
        grade = session.question_grade(main)
        if grade is not None:
            found.append((number, grade))
    return found


def _charts(summary: Summary, lang: Language) -> list[Block]:
    graded = _graded(summary)
    none = text("reports.charts.none", lang)
    dims = tuple(d for d in Dimension if d in summary.dimensions)
    dimensions = BarPanel(
        title=text("reports.charts.dimensions", lang),
        labels=tuple(dimension_label(d, lang) for d in dims),
        values=tuple(float(summary.dimensions[d]) for d in dims),
        x_label=text("reports.charts.score", lang),
        empty_text=none,
    )
    scores = LinePanel(
        title=text("reports.charts.per_question", lang),
        values=tuple(float(e.score) for _, e in graded),
        x_label=text("reports.charts.question", lang),
        y_label=text("reports.charts.score", lang),
        empty_text=none,
    )
    counts = {d: 0 for d in Dimension}
    for _, evaluation in graded:
        for finding in evaluation.problems:
            counts[finding.dimension] += 1
    most = max(counts.values(), default=0)
    problems = BarPanel(
        title=text("reports.charts.problems", lang),
        labels=tuple(dimension_label(d, lang) for d in Dimension),
        values=tuple(float(counts[d]) for d in Dimension) if most else (),
        x_label=text("reports.charts.count", lang),
        x_max=float(max(most, 1)),
        empty_text=text("reports.charts.no_problems", lang),
    )
    words = tuple(float(e.word_count) for _, e in graded)
    length = LinePanel(
        title=text("reports.charts.words", lang),
        values=words,
        x_label=text("reports.charts.question", lang),
        y_max=float(max(100, *(round(w, -1) + 20 for w in words))) if words else 100.0,
        empty_text=none,
    )
    return [
        Chart(ChartSpec(panels=(dimensions, scores))),
        Chart(ChartSpec(panels=(problems, length)), caption=text("reports.charts.caption", lang)),
    ]


# ---- questions ----------------------------------------------------------------------------


def _question(
    session: Session, main: Turn, number: int, attempts: Mapping[int, Sequence[Attempt]]
) -> list[Block]:
    lang = session.language
    grade = session.question_grade(main)
    head = (
        text("reports.question.title_scored", lang, number=number, score=grade.score)
        if grade is not None
        else text("reports.question.title", lang, number=number)
    )
    blocks: list[Block] = [Heading(head, level=2), Paragraph(main.prompt, style="prompt")]
    for turn in session.question_turns(main):
        if turn.is_follow_up:
            blocks.append(Paragraph(turn.prompt, lead=text("reports.question.follow_up", lang)))
        blocks += _answer(turn, lang)
    for i, attempt in enumerate(attempts.get(main.id or 0, ()), start=2):
        blocks.append(
            Paragraph(
                shorten(attempt.answer, QUOTE_LIMIT),
                lead=text(
                    "reports.question.retry", lang, attempt=i, score=attempt.evaluation.score
                ),
                style="muted",
            )
        )
    return blocks


def _answer(turn: Turn, lang: Language) -> list[Block]:
    if turn.status is TurnStatus.SKIPPED:
        return [Paragraph(text("reports.question.skipped", lang), style="muted")]
    if not turn.answer:
        return [Paragraph(text("reports.question.unanswered", lang), style="muted")]
    evaluation = turn.evaluation
    spoken = evaluation is not None and _spoken(evaluation)
    label = "reports.question.transcript" if spoken else "reports.question.answer"
    blocks: list[Block] = [Paragraph(turn.answer, lead=text(label, lang), style="quote")]
    if evaluation is None:
        blocks.append(Paragraph(text("reports.question.not_graded", lang), style="muted"))
        return blocks
    dims = " · ".join(
        f"{dimension_label(d, lang)} {evaluation.dimensions[d]}"
        for d in Dimension
        if d in evaluation.dimensions
    )
    blocks.append(
        Paragraph(
            f"{evaluation.score}/100 · {dims} · {source_label(evaluation, lang)}",
            lead=text("reports.question.score", lang),
        )
    )
    problems = [f for f in evaluation.problems if not f.rule_id.startswith("delivery.")]
    if problems:
        blocks.append(
            Bullets(
                tuple(_finding_text(f, spoken, lang) for f in problems),
                leads=tuple(_finding_lead(f, lang) for f in problems),
            )
        )
    coaching = evaluation.coaching
    for key, value in (("praise", coaching.praise), ("fix", coaching.fix), ("tip", coaching.tip)):
        if value.strip():
            blocks.append(
                Paragraph(without_heading(value), lead=text(f"reports.question.{key}", lang))
            )
    if spoken:
        blocks.append(
            Paragraph(_delivery(evaluation, lang), lead=text("reports.question.delivery", lang))
        )
    for heading, body in rewrite_blocks(evaluation, lang):
        blocks.append(Paragraph(body, lead=f"{heading}:", style="quote"))
    return blocks


def _spoken(evaluation: Evaluation) -> bool:
    """Tell whether the answer was spoken: its evidence carries times in the recording."""
    return any(f.evidence.start_ms is not None for f in evaluation.findings)


def clock(ms: int) -> str:
    """Return a time in a recording as m:ss ("1:12")."""
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def _finding_lead(finding: Finding, lang: Language) -> str:
    severity = text(f"feedback.severity.{finding.severity.value}", lang)
    return f"{rule_title(finding.rule_id, lang)} ({severity}):"


def _finding_text(finding: Finding, spoken: bool, lang: Language) -> str:
    evidence = finding.evidence
    if evidence.absent or not evidence.quote:
        said = text("reports.question.absent", lang)
    elif spoken and evidence.start_ms is not None:
        said = text(
            "reports.question.said_at",
            lang,
            at=clock(evidence.start_ms),
            quote=shorten(evidence.quote, QUOTE_LIMIT),
        )
    else:
        said = text("reports.question.wrote", lang, quote=shorten(evidence.quote, QUOTE_LIMIT))
    return text(
        "reports.question.finding", lang, said=said, message=finding.message, fix=finding.fix
    )


def _delivery(evaluation: Evaluation, lang: Language) -> str:
    parts = [text("reports.question.words", lang, count=evaluation.word_count)]
    for finding in evaluation.findings:
        if finding.rule_id.startswith("delivery."):
            where = finding.evidence.start_ms
            at = (
                text("reports.question.first_at", lang, at=clock(where))
                if where is not None
                else ""
            )
            parts.append(f"{finding.message}{at}")
    return " · ".join(parts)


# ---- strengths, gaps, actions ---------------------------------------------------------------


def gaps(evaluations: Sequence[Evaluation]) -> list[Gap]:
    """Return the problems of these answers, most severe first, then the most frequent."""
    seen: dict[str, Gap] = {}
    order: dict[str, int] = {}
    for evaluation in evaluations:
        for finding in {f.rule_id: f for f in evaluation.problems}.values():
            if finding.rule_id.startswith("delivery."):
                continue
            old = seen.get(finding.rule_id)
            order.setdefault(finding.rule_id, len(order))
            severity = finding.severity
            if old is not None and _SEVERITY_RANK[old.severity] < _SEVERITY_RANK[severity]:
                severity = old.severity
            seen[finding.rule_id] = Gap(
                finding.rule_id,
                severity,
                (old.count if old else 0) + 1,
                old.fix if old else finding.fix,
            )
    return sorted(
        seen.values(), key=lambda g: (_SEVERITY_RANK[g.severity], -g.count, order[g.rule_id])
    )


def strengths(evaluations: Sequence[Evaluation], lang: Language) -> list[str]:
    """Return what went well: positive findings with their quotes, once per rule."""
    found: dict[str, str] = {}
    for evaluation in evaluations:
        for finding in evaluation.findings:
            if not finding.positive or finding.rule_id in found:
                continue
            quote = finding.evidence.quote
            title = rule_title(finding.rule_id, lang)
            found[finding.rule_id] = (
                text("reports.summary.strength_quote", lang, title=title, quote=shorten(quote, 120))
                if quote
                else title
            )
    return list(found.values())


def actions(found: Sequence[Gap], evaluations: Sequence[Evaluation], lang: Language) -> list[str]:
    """Return three things to do next: the worst gaps' fixes, then the coaches' tips."""
    picked = [f"{rule_title(g.rule_id, lang)}: {g.fix}" for g in found[:ACTIONS]]
    for evaluation in evaluations:
        if len(picked) >= ACTIONS:
            break
        tip = without_heading(evaluation.coaching.tip)
        if tip and tip not in picked:
            picked.append(tip)
    while len(picked) < ACTIONS:
        picked.append(text(f"reports.summary.default_action_{len(picked) + 1}", lang))
    return picked


def _conclusions(summary: Summary, lang: Language) -> list[Block]:
    evaluations = [e for _, e in _graded(summary)]
    found = gaps(evaluations)
    praised = strengths(evaluations, lang)
    best = summary.best
    if best is not None and best.evaluation is not None:
        grade = summary.session.question_grade(best)
        praised.append(
            text(
                "reports.summary.best",
                lang,
                number=summary.session.question_number(best),
                score=grade.score if grade else best.evaluation.score,
            )
        )
    blocks: list[Block] = [Heading(text("reports.summary.strengths", lang))]
    blocks.append(
        Bullets(tuple(praised))
        if praised
        else Paragraph(text("reports.summary.no_strengths", lang), style="muted")
    )
    blocks.append(Heading(text("reports.summary.gaps", lang)))
    if found:
        blocks.append(
            Bullets(
                tuple(
                    text(
                        "reports.summary.gap",
                        lang,
                        count=g.count,
                        total=len(evaluations),
                        fix=g.fix,
                    )
                    for g in found
                ),
                leads=tuple(
                    f"{rule_title(g.rule_id, lang)} "
                    f"({text(f'feedback.severity.{g.severity.value}', lang)}):"
                    for g in found
                ),
            )
        )
    else:
        blocks.append(Paragraph(text("reports.summary.no_gaps", lang), style="muted"))
    blocks.append(Heading(text("reports.summary.actions", lang)))
    blocks.append(Bullets(tuple(actions(found, evaluations, lang)), numbered=True))
    return blocks
