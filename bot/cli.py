"""Terminal rehearsal and one-shot evaluation on the same engine as the bot."""

from __future__ import annotations

import json
import logging
import sys
from typing import TextIO

from bot.coaching.answer import Answer
from bot.config import Settings
from bot.errors import CoachError
from bot.interview.engine import StartOptions
from bot.interview.events import (
    Event,
    FeedbackGiven,
    FollowUpAsked,
    LevelChanged,
    QuestionAsked,
    SessionEnded,
)
from bot.interview.models import Kind, Language, Level, Question
from bot.presenters import dimensions_line, finding_line, summary_lines
from bot.services import build_services
from bot.speech.pipeline import transcribe_file, transcribe_for_cli

log = logging.getLogger(__name__)

TERMINAL_USER = 0

COMMANDS_HELP = (
    "(one answer per line; '@path/to/answer.wav' answers with a recording; "
    "':skip', ':hint', ':finish' also work)"
)


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
        ev = event.evaluation
        _write(out, f"Score: {ev.score}/100 ({ev.source})")
        _write(out, f"  {dimensions_line(ev)}")
        for finding in ev.problems:
            _write(out, f"  - {finding_line(finding)}")
        _write(out, f"  Praise: {ev.coaching.praise}")
        _write(out, f"  Fix: {ev.coaching.fix}")
        _write(out, f"  Tip: {ev.coaching.tip}")
    elif isinstance(event, SessionEnded):
        _write(out, "\n== Session summary ==")
        for line in summary_lines(event.summary):
            _write(out, line)


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
    question = Question(
        id="adhoc",
        kind=kind,
        language=language,
        levels=(level,),
        skills=(),
        text=question_text,
        hint="",
    )
    async with Database(":memory:") as db:
        evaluator = build_evaluator(settings, db, rubric)
        evaluation = await evaluator.evaluate(Answer(text), question, level, language, ())
    data = {**evaluation.to_dict(), "provider": evaluation.extra.get("provider")}
    _write(out, json.dumps(data, ensure_ascii=False, indent=2))
    return 0
