"""The session report: one interview as a document, in the interview's language.

Cover (role, kind, level, date, overall score), four charts (the dimensions, the score of
each question, problems per dimension, words per answer), then every question with the
answer (the transcript when spoken), its score, each finding with the quoted evidence (and,
for spoken answers, when it was said), praise, fix and tip, delivery notes and, when a model
graded, its rewrites; then strengths, gaps ranked by severity and three actions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.catalog import Language
from bot.coaching.models import Dimension, Evaluation, Finding, Severity
from bot.copy import text
from bot.interview.events import Comparison, Summary
from bot.interview.models import Attempt, Session, SessionStatus, Turn, TurnStatus
from bot.presenters import (
    clock,
    dimension_label,
    dimensions_line,
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
# A strength quotes its sentence up to this long; longer, the clause around the evidence.
STRENGTH_LIMIT = 160
# Evidence with fewer words that cannot be placed in its answer is not worth quoting.
MEANINGFUL_WORDS = 3
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
    """Return (question number, grade) for each graded main question, with all its problems."""
    session = summary.session
    found = []
    for number, main in enumerate(session.main_turns, start=1):
        grade = session.question_grade(main)
        if grade is not None:
            found.append((number, _with_all_problems(session, main, grade)))
    return found


def _with_all_problems(session: Session, main: Turn, grade: Evaluation) -> Evaluation:
    """Return the question's grade carrying the problems of every answer to it.

    After a follow-up the grade holds the reply's findings: what is still absent from the
    question as a whole (graded together), and what the reply's own words showed. Problems
    quoted from the earlier answers are still the candidate's, so they are added back.
    """
    turns = [t for t in session.question_turns(main) if t.evaluation is not None]
    if len(turns) < 2:
        return grade
    problems: dict[str, Finding] = {f.rule_id: f for f in grade.problems}
    for turn in turns:
        assert turn.evaluation is not None
        for finding in turn.evaluation.problems:
            if not finding.evidence.absent:
                problems.setdefault(finding.rule_id, finding)
    praise = tuple(f for f in grade.findings if f.positive)
    return replace(grade, findings=tuple(problems.values()) + praise)


def _per_question(session: Session) -> list[tuple[float | None, float | None, str]]:
    """Return (grade, words of the main answer, note) for each question, by its number.

    A follow-up's reply is graded with what came before it, but the word count is the main
    answer's own: the chart says how long the candidate's first answer was.
    """
    rows: list[tuple[float | None, float | None, str]] = []
    for main in session.main_turns:
        grade = session.question_grade(main)
        if main.status is TurnStatus.SKIPPED:
            words = None
        elif main.evaluation is not None:
            words = float(main.evaluation.word_count)
        else:
            words = float(len(main.answer.split())) if main.answer else None
        note = "skipped" if main.status is TurnStatus.SKIPPED else ""
        rows.append((float(grade.score) if grade is not None else None, words, note))
    return rows


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
    rows = _per_question(summary.session)
    notes = tuple(text("reports.charts.skipped", lang) if n else "" for _, _, n in rows)
    scores = LinePanel(
        title=text("reports.charts.per_question", lang),
        values=tuple(score for score, _, _ in rows),
        x_label=text("reports.charts.question", lang),
        y_label=text("reports.charts.score", lang),
        empty_text=none,
        notes=notes,
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
    words = tuple(w for _, w, _ in rows)
    counted = [w for w in words if w is not None]
    length = LinePanel(
        title=text("reports.charts.words", lang),
        values=words,
        x_label=text("reports.charts.question", lang),
        y_max=float(max(100, *(round(w, -1) + 20 for w in counted))) if counted else 100.0,
        empty_text=none,
        notes=notes,
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
    before = main.evaluation
    for i, attempt in enumerate(attempts.get(main.id or 0, ()), start=2):
        blocks += _retry(attempt, i, before, lang)
        before = attempt.evaluation
    return blocks


def _retry(attempt: Attempt, number: int, before: Evaluation | None, lang: Language) -> list[Block]:
    """Return a retry as the terminal showed it: its text, score, what it fixed, what is open.

    Each retry is compared with the attempt before it (the first answer for retry 2), as
    the interview did when it was graded.
    """
    evaluation = attempt.evaluation
    blocks: list[Block] = [
        Paragraph(
            attempt.answer,
            lead=text("reports.question.retry", lang, attempt=number, score=evaluation.score),
            style="quote",
        ),
        Paragraph(
            f"{evaluation.score}/100 · {dimensions_line(evaluation, lang)}",
            lead=text("reports.question.score", lang),
        ),
    ]
    if before is not None:
        change = Comparison.of(before, evaluation)
        for key, rules in (("fixed", change.fixed), ("still", change.still), ("new", change.new)):
            if rules:
                named = ", ".join(rule_title(r, lang) for r in rules)
                blocks.append(Paragraph(named, lead=text(f"reports.question.{key}", lang)))
        if not (change.fixed or change.still or change.new):
            blocks.append(Paragraph(text("reports.question.no_issues", lang), style="muted"))
    problems = [f for f in evaluation.problems if not f.rule_id.startswith("delivery.")]
    if problems:
        blocks.append(
            Bullets(
                tuple(_finding_text(f, False, lang) for f in problems),
                leads=tuple(_finding_lead(f, lang) for f in problems),
            )
        )
    fix = without_heading(evaluation.coaching.fix)
    if fix.strip():
        blocks.append(Paragraph(fix, lead=text("reports.question.fix", lang)))
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


def strengths(answers: Sequence[tuple[str, Evaluation]], lang: Language) -> list[str]:
    """Return what went well, once per rule: each positive finding with the clause it is in.

    ``answers`` pairs each graded answer with its evaluation (a follow-up's findings point
    into the follow-up's reply). A rule's evidence is often one word ("because", "결국"):
    the clause around it is what shows the strength, so that is quoted, or nothing.
    """
    found: dict[str, str] = {}
    for answer, evaluation in answers:
        for finding in evaluation.findings:
            if not finding.positive or finding.rule_id in found:
                continue
            title = rule_title(finding.rule_id, lang)
            quote = evidence_clause(answer, finding)
            found[finding.rule_id] = (
                text("reports.summary.strength_quote", lang, title=title, quote=quote)
                if quote
                else title
            )
    return list(found.values())


_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")
_CLAUSE_END = re.compile(r"(?<=[,;:，、])\s+|\s+[-–—]\s+")


def _piece(value: str, start: int, end: int, splitter: re.Pattern[str]) -> tuple[int, int]:
    """Return the bounds of the part of ``value`` (split by ``splitter``) around start..end."""
    left, right = 0, len(value)
    for match in splitter.finditer(value):
        if match.end() <= start:
            left = match.end()
        elif match.start() >= end:
            right = match.start()
            break
    return left, right


def evidence_clause(answer: str, finding: Finding, limit: int = STRENGTH_LIMIT) -> str:
    """Return the sentence (or, when long, the clause) of ``answer`` the evidence sits in.

    Returns "" when the evidence cannot be found in the answer and is too short to mean
    anything on its own (one function word).
    """
    evidence = finding.evidence
    quote = (evidence.quote or "").strip()
    if not quote:
        return ""
    start, end = evidence.start, evidence.end
    if start is None or end is None or answer[start:end].strip() != quote:
        at = answer.find(quote)
        start, end = (at, at + len(quote)) if at >= 0 else (None, None)
    if start is None or end is None:
        return shorten(quote, limit) if len(quote.split()) >= MEANINGFUL_WORDS else ""
    left, right = _piece(answer, start, end, _SENTENCE_END)
    if right - left > limit:
        # A long sentence: the clause around the evidence, with its neighbours if tiny.
        sentence = answer[left:right]
        c_left, c_right = _piece(sentence, start - left, end - left, _CLAUSE_END)
        left, right = left + c_left, left + c_right
    piece = " ".join(answer[left:right].split())
    if len(piece) <= limit:
        return piece
    return _window(answer[left:right], start - left, end - left, limit)


def _window(value: str, start: int, end: int, limit: int) -> str:
    """Return about ``limit`` characters of ``value`` centred on start..end, cut at words."""
    room = max(0, limit - (end - start)) // 2
    left, right = max(0, start - room), min(len(value), end + room)
    if left > 0:
        space = value.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(value):
        space = value.rfind(" ", end, right)
        right = space if space >= 0 else right
    piece = " ".join(value[left:right].split())
    return f"{'…' if left > 0 else ''}{piece}{'…' if right < len(value) else ''}"


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


def _answers(session: Session) -> list[tuple[str, Evaluation]]:
    """Return every graded answer with its evaluation, question by question, main first."""
    return [
        (turn.answer, turn.evaluation)
        for main in session.main_turns
        for turn in session.question_turns(main)
        if turn.answer and turn.evaluation is not None
    ]


def _conclusions(summary: Summary, lang: Language) -> list[Block]:
    evaluations = [e for _, e in _graded(summary)]
    found = gaps(evaluations)
    praised = strengths(_answers(summary.session), lang)
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
