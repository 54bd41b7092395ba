"""Terminal rehearsal and one-shot evaluation on the same engine as the bot."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import TextIO

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.models import Evaluation
from bot.config import Settings
from bot.errors import CoachError
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import (
    Event,
    FeedbackGiven,
    FollowUpAsked,
    LevelChanged,
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
    probe_line,
    reevaluation_lines,
    rewrite_blocks,
    source_label,
    summary_lines,
    without_heading,
)
from bot.services import build_services
from bot.speech.pipeline import transcribe_file, transcribe_for_cli

log = logging.getLogger(__name__)

TERMINAL_USER = 0

COMMANDS_HELP = (
    "(one answer per line; '@path/to/answer.wav' answers with a recording; "
    "':skip', ':hint', ':finish' also work; ':rewind N' makes your next line a retry of "
    "question N; ':reevaluate' re-grades answers the AI coach missed)"
)
REWIND = re.compile(r"^:rewind\s+(\S+)\s*$")


def _write(out: TextIO, text: str = "") -> None:
    out.write(text + "\n")
    out.flush()


def render_event(event: Event, out: TextIO) -> None:
    """Write one engine event to the terminal."""
    if isinstance(event, QuestionAsked):
        _write(
            out, f"\nQ{event.number}/{event.total} [{event.turn.level.value}] {event.turn.prompt}"
        )
    elif isinstance(event, FollowUpAsked):
        _write(out, f"\nFollow-up: {event.turn.prompt}")
    elif isinstance(event, LevelChanged):
        _write(out, f"\nDifficulty {event.old.value} -> {event.new.value}: {event.reason}")
    elif isinstance(event, FeedbackGiven):
        probe = probe_line(event.evaluation, event.number or 0)
        if probe:
            _write(out, probe)
        _write_evaluation(event.evaluation, out)
    elif isinstance(event, RewindAsked):
        first = event.turn.evaluation
        _write(
            out,
            f"\nRewind Q{event.number} (attempt {event.attempts + 1}"
            + (f"; first attempt {first.score}/100" if first is not None else "")
            + f"): {event.turn.prompt}",
        )
        _write(out, "Your next line is the retry.")
    elif isinstance(event, RetryGraded):
        _write(out, f"\nRetry of Q{event.number} (attempt {event.attempt_number}):")
        for line in comparison_lines(event.comparison):
            _write(out, f"  {line}")
        _write_evaluation(event.attempt.evaluation, out)
        if event.pending is not None:
            _write(out, f"\nBack to: {event.pending.prompt}")
    elif isinstance(event, SessionEnded):
        _write(out, "\n== Session summary ==")
        for line in summary_lines(event.summary):
            _write(out, line)


def _write_evaluation(ev: Evaluation, out: TextIO) -> None:
    """Write one evaluation: score and source, dimensions, evidence, coaching, rewrites."""
    _write(out, f"Score: {ev.score}/100 ({ev.source}) - {source_label(ev)}")
    note = evaluation_note(ev)
    if note:
        _write(out, f"  Note: {note}")
    _write(out, f"  {dimensions_line(ev)}")
    for finding in ev.problems:
        _write(out, f"  - {finding_line(finding)}")
    _write(out, f"  Praise: {without_heading(ev.coaching.praise)}")
    _write(out, f"  Fix: {without_heading(ev.coaching.fix)}")
    _write(out, f"  Tip: {without_heading(ev.coaching.tip)}")
    for heading, text in rewrite_blocks(ev):
        _write(out, f"  Rewrite - {heading}:")
        for line in text.splitlines():
            _write(out, f"    {line}")


async def _command(line: str, engine: InterviewEngine, session_id: int, out: TextIO) -> bool:
    """Run a ':rewind N' or ':reevaluate' line; return whether the line was one."""
    match = REWIND.match(line)
    if match:
        try:
            render_event(await engine.rewind(session_id, int(match.group(1))), out)
        except ValueError:
            _write(out, "Use ':rewind N' with the question number, for example ':rewind 1'.")
        except CoachError as exc:
            _write(out, exc.user_message)
        return True
    if line == ":reevaluate":
        for text in reevaluation_lines(await engine.reevaluate(session_id)):
            _write(out, text)
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
        _write(
            out,
            f"Mockingbird rehearsal: {kind.value.replace('_', ' ')}, {level.value}. "
            f"{COMMANDS_HELP}",
        )
        for event in events:
            render_event(event, out)
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
                _write(out, f"Hint: {engine.hint(await engine.session(session.id))}")
                continue
            elif line.strip() == ":finish":
                events = await engine.finish(session.id)
            elif await _command(line.strip(), engine, session.id, out):
                continue
            else:
                try:
                    if line.strip().startswith("@"):
                        transcript, report = await transcribe_file(
                            line.strip()[1:], services.stt, language.value, services.audio_limits
                        )
                        _write(out, f"Transcript: {transcript.text}")
                        _write(out, f"Delivery: {report.summary()}")
                        events = await engine.answer(
                            session.id, transcript.text, transcript.words, spoken=True
                        )
                    else:
                        events = await engine.answer(session.id, line)
                except CoachError as exc:
                    _write(out, exc.user_message)
                    continue
            for event in events:
                render_event(event, out)
            ended = any(isinstance(e, SessionEnded) for e in events)
        return 0
    finally:
        await services.close()


async def transcribe(
    path: str, language: Language, as_json: bool, settings: Settings, out: TextIO = sys.stdout
) -> int:
    """Transcribe one recording and print the transcript, word timings and delivery."""
    from bot.services import build_speech

    stt, _, limits = build_speech(settings)
    data = await transcribe_for_cli(path, stt=stt, language=language.value, limits=limits)
    if as_json:
        _write(out, json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    _write(out, data["text"] or "(no speech found)")
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
    from bot.coaching.rubric import Rubric
    from bot.services import build_evaluator
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
    from bot.coaching.rubric import Rubric
    from bot.services import build_evaluator
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
