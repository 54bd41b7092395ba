"""Terminal rehearsal and one-shot evaluation on the same engine as the bot."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import TextIO

from bot.bootstrap import build_services
from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.models import Evaluation
from bot.config import Settings
from bot.copy import text
from bot.errors import CoachError
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import (
    Event,
    FeedbackGiven,
    FollowUpAsked,
    LevelChanged,
    NoticeGiven,
    QuestionAsked,
    RetryGraded,
    RewindAsked,
    SessionEnded,
)
from bot.presenters import (
    comparison_lines,
    dimensions_line,
    evaluation_note,
    finding_line,
    kind_name,
    level_name,
    probe_line,
    reevaluation_lines,
    rewrite_blocks,
    source_label,
    summary_lines,
    without_heading,
)
from bot.speech.pipeline import transcribe_file, transcribe_for_cli

log = logging.getLogger(__name__)

TERMINAL_USER = 0

REWIND = re.compile(r"^:rewind\s+(\S+)\s*$")


def _write(out: TextIO, text: str = "") -> None:
    out.write(text + "\n")
    out.flush()


def render_event(event: Event, out: TextIO, language: Language = Language.EN) -> None:
    """Write one engine event to the terminal, in the session's language."""
    lang = language
    if isinstance(event, QuestionAsked):
        line = text(
            "interview.terminal.question",
            lang,
            number=event.number,
            total=event.total,
            level=event.turn.level.value,
            prompt=event.turn.prompt,
        )
        _write(out, "\n" + line)
    elif isinstance(event, FollowUpAsked):
        _write(out, "\n" + text("interview.terminal.follow_up", lang, prompt=event.turn.prompt))
    elif isinstance(event, LevelChanged):
        line = text(
            "interview.terminal.level_changed",
            lang,
            old=event.old.value,
            new=event.new.value,
            reason=event.reason,
        )
        _write(out, "\n" + line)
    elif isinstance(event, FeedbackGiven):
        probe = probe_line(event.evaluation, event.number or 0, lang)
        if probe:
            _write(out, probe)
        _write_evaluation(event.evaluation, out, lang)
    elif isinstance(event, RewindAsked):
        first = event.turn.evaluation
        first_text = (
            text("interview.terminal.rewind_first", lang, score=first.score)
            if first is not None
            else ""
        )
        line = text(
            "interview.terminal.rewind",
            lang,
            number=event.number,
            attempt=event.attempts + 1,
            first=first_text,
            prompt=event.turn.prompt,
        )
        _write(out, "\n" + line)
        _write(out, text("interview.terminal.next_is_retry", lang))
    elif isinstance(event, RetryGraded):
        line = text(
            "interview.terminal.retry", lang, number=event.number, attempt=event.attempt_number
        )
        _write(out, "\n" + line)
        for change in comparison_lines(event.comparison, lang):
            _write(out, f"  {change}")
        _write_evaluation(event.attempt.evaluation, out, lang)
        if event.pending is not None:
            back = text("interview.terminal.back_to", lang, prompt=event.pending.prompt)
            _write(out, "\n" + back)
    elif isinstance(event, NoticeGiven):
        _write(out, text(event.key, lang, **event.params))
    elif isinstance(event, SessionEnded):
        _write(out, "\n" + text("interview.terminal.summary_heading", lang))
        for line in summary_lines(event.summary, lang):
            _write(out, line)


def _write_evaluation(ev: Evaluation, out: TextIO, lang: Language = Language.EN) -> None:
    """Write one evaluation: score and source, dimensions, evidence, coaching, rewrites."""
    _write(
        out,
        text(
            "interview.terminal.score",
            lang,
            score=ev.score,
            source=ev.source,
            label=source_label(ev, lang),
        ),
    )
    note = evaluation_note(ev)
    if note:
        _write(out, text("interview.terminal.note", lang, note=note))
    _write(out, f"  {dimensions_line(ev, lang)}")
    for finding in ev.problems:
        _write(out, f"  - {finding_line(finding, lang)}")
    _write(out, text("interview.terminal.praise", lang, text=without_heading(ev.coaching.praise)))
    _write(out, text("interview.terminal.fix", lang, text=without_heading(ev.coaching.fix)))
    _write(out, text("interview.terminal.tip", lang, text=without_heading(ev.coaching.tip)))
    for heading, body in rewrite_blocks(ev, lang):
        _write(out, text("interview.terminal.rewrite", lang, heading=heading))
        for line in body.splitlines():
            _write(out, f"    {line}")


async def _command(
    line: str, engine: InterviewEngine, session_id: int, out: TextIO, lang: Language
) -> bool:
    """Run a ':rewind N' or ':reevaluate' line; return whether the line was one."""
    match = REWIND.match(line)
    if match:
        try:
            render_event(await engine.rewind(session_id, int(match.group(1))), out, lang)
        except ValueError:
            _write(out, text("interview.terminal.rewind_usage", lang))
        except CoachError as exc:
            _write(out, exc.message_in(lang))
        return True
    if line == ":reevaluate":
        for change in reevaluation_lines(await engine.reevaluate(session_id), lang):
            _write(out, change)
        return True
    return False


async def rehearse(
    kind: Kind,
    level: Level,
    count: int,
    language: Language,
    settings: Settings,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    database: str = ":memory:",
) -> int:
    """Run a mock interview in the terminal; return the exit code."""
    services = await build_services(settings, database_path=database)
    engine = services.engine
    try:
        session, events = await engine.start(
            StartOptions(TERMINAL_USER, None, kind, level, count, language)
        )
        assert session.id is not None
        help_text = text("interview.terminal.help", language)
        banner = text(
            "interview.terminal.banner",
            language,
            kind=kind_name(kind.value, language),
            level=level_name(level.value, language),
            help=help_text,
        )
        _write(out, banner)
        for event in events:
            render_event(event, out, language)
        ended = any(isinstance(e, SessionEnded) for e in events)
        while not ended:
            out.write("> ")
            out.flush()
            line = stdin.readline()
            if line == "":
                events = await engine.finish(session.id)
            elif line.strip() == ":skip":
                events = await engine.skip(session.id)
            elif line.strip() == ":hint":
                hint = engine.hint(await engine.session(session.id))
                _write(out, text("interview.terminal.hint", language, hint=hint))
                continue
            elif line.strip() == ":finish":
                events = await engine.finish(session.id)
            elif await _command(line.strip(), engine, session.id, out, language):
                continue
            else:
                try:
                    if line.strip().startswith("@"):
                        transcript, report = await transcribe_file(
                            line.strip()[1:], services.stt, language.value, services.audio_limits
                        )
                        said = text("interview.terminal.transcript", language, text=transcript.text)
                        _write(out, said)
                        delivery = report.summary(language)
                        _write(out, text("interview.terminal.delivery", language, summary=delivery))
                        events = await engine.answer(
                            session.id, transcript.text, transcript.words, spoken=True
                        )
                    else:
                        events = await engine.answer(session.id, line)
                except CoachError as exc:
                    _write(out, exc.message_in(language))
                    continue
            for event in events:
                render_event(event, out, language)
            ended = any(isinstance(e, SessionEnded) for e in events)
        return 0
    finally:
        await services.close()


async def transcribe(
    path: str, language: Language, as_json: bool, settings: Settings, out: TextIO = sys.stdout
) -> int:
    """Transcribe one recording and print the transcript, word timings and delivery."""
    from bot.bootstrap import build_speech

    stt, _, limits = build_speech(settings)
    data = await transcribe_for_cli(path, stt=stt, language=language.value, limits=limits)
    if as_json:
        _write(out, json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    _write(out, data["text"] or text("interview.terminal.no_speech", language))
    _write(out, str(data["summary"]))
    for word in data["words"]:
        _write(out, f"{word['start_ms']:>7} {word['end_ms']:>7}  {word['word']}")
    return 0


MAX_EVALUATE_CHARS = 25_000


def _question(text: str, kind: Kind, level: Level, language: Language) -> Question:
    return Question(
        id="adhoc",
        kind=kind,
        language=language,
        levels=(level,),
        skills=(),
        text=text,
        hint="",
    )


def _evaluation_json(evaluation: Evaluation) -> dict[str, object]:
    """Return the JSON object `evaluate` prints for one evaluation."""
    return {
        **evaluation.to_dict(),
        "provider": evaluation.provenance.provider if evaluation.provenance else None,
    }


async def evaluate(
    kind: Kind,
    level: Level,
    question_text: str,
    language: Language,
    settings: Settings,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> int:
    """Grade one answer read from stdin and print the evaluation as JSON."""
    from bot.bootstrap import build_evaluator
    from bot.coaching.rubric import Rubric
    from storage.db import Database

    rubric = Rubric.load(settings.interview.prompts_path)
    text = stdin.read()
    if len(text) > MAX_EVALUATE_CHARS:
        sys.stderr.write(
            f"The answer is {len(text):,} characters; the limit is {MAX_EVALUATE_CHARS:,} "
            "(the same as in an interview). Only the first part was graded.\n"
        )
        text = text[:MAX_EVALUATE_CHARS]
    question = _question(question_text, kind, level, language)
    async with Database(":memory:") as db:
        evaluator = build_evaluator(settings, db, rubric)
        evaluation = await evaluator.evaluate(
            Answer(text), question, GradingContext(level=level, language=language)
        )
    _write(out, json.dumps(_evaluation_json(evaluation), ensure_ascii=False, indent=2))
    return 0


async def evaluate_batch(
    settings: Settings,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> int:
    """Grade JSON lines from stdin, one object per input line, in order.

    Each line is ``{"id", "question", "kind", "level", "answer", "language"}`` (language
    optional, English by default). A malformed line gets ``{"id", "error"}`` and the rest go on.
    Everything is loaded once.
    """
    from bot.bootstrap import build_evaluator
    from bot.coaching.rubric import Rubric
    from storage.db import Database

    rubric = Rubric.load(settings.interview.prompts_path)
    failures = 0
    async with Database(":memory:") as db:
        evaluator = build_evaluator(settings, db, rubric)
        for number, line in enumerate(stdin, 1):
            if not line.strip():
                continue
            item_id: object = None
            try:
                raw = json.loads(line)
                if not isinstance(raw, dict):
                    raise ValueError("each line must be a JSON object")
                item_id = raw.get("id")
                request = _batch_request(raw)
            except ValueError as exc:
                failures += 1
                _write(out, json.dumps({"id": item_id, "line": number, "error": str(exc)}))
                continue
            question_text, answer, kind, level, language = request
            evaluation = await evaluator.evaluate(
                Answer(answer),
                _question(question_text, kind, level, language),
                GradingContext(level=level, language=language),
            )
            _write(
                out,
                json.dumps({"id": item_id, **_evaluation_json(evaluation)}, ensure_ascii=False),
            )
    return 1 if failures else 0


def _batch_request(raw: dict[str, object]) -> tuple[str, str, Kind, Level, Language]:
    """Validate one batch line; raise ValueError with a message that says what is wrong."""
    question = raw.get("question")
    answer = raw.get("answer")
    if not isinstance(question, str) or not question.strip():
        raise ValueError('"question" must be a non-empty string')
    if not isinstance(answer, str):
        raise ValueError('"answer" must be a string')
    if len(answer) > MAX_EVALUATE_CHARS:
        raise ValueError(
            f'"answer" is {len(answer):,} characters; the limit is {MAX_EVALUATE_CHARS:,}'
        )
    try:
        kind = Kind(str(raw.get("kind", "")))
    except ValueError:
        raise ValueError(f'"kind" must be one of {", ".join(k.value for k in Kind)}') from None
    try:
        level = Level(str(raw.get("level", Level.MID.value)))
    except ValueError:
        raise ValueError(f'"level" must be one of {", ".join(v.value for v in Level)}') from None
    try:
        language = Language(str(raw.get("language", Language.EN.value)))
    except ValueError:
        choices = ", ".join(v.value for v in Language)
        raise ValueError(f'"language" must be one of {choices}') from None
    return question, answer, kind, level, language
