"""`python -m bot evaluate`: grade one answer from stdin, or JSON lines with ``--jsonl``.

The 25,000-character limit of an interview holds here too, and it is enforced while reading:
a single answer is read up to one character past the limit, a JSON line up to the most bytes
a line with an answer within the limit can take, so a huge input is refused without being
held (or sent to a model).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import BinaryIO, Final, TextIO

from bot.catalog import Kind, Language, Level, Question
from bot.cli.render import write
from bot.cli.terminal_input import LineReader, clean, read_bounded
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.models import Evaluation
from bot.config import Settings
from bot.copy import text
from bot.interview.engine import MAX_ANSWER_CHARS

log = logging.getLogger(__name__)

MAX_EVALUATE_CHARS: Final = MAX_ANSWER_CHARS
# A JSON string escapes a character in at most 12 bytes (an astral one as two \uXXXX), plus
# room for the question and the other fields.
MAX_JSONL_LINE_BYTES: Final = 12 * (MAX_EVALUATE_CHARS + 1) + 64 * 1024
EXIT_OK: Final = 0
EXIT_SOME_FAILED: Final = 1
EXIT_BAD_INPUT: Final = 2


def _question(question_text: str, kind: Kind, level: Level, language: Language) -> Question:
    return Question(
        id="adhoc",
        kind=kind,
        language=language,
        levels=(level,),
        skills=(),
        text=question_text,
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
    *,
    stdin: BinaryIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Grade one answer read from stdin and print the evaluation as JSON."""
    # Looked up now, not at import: the entry point may have guarded standard output.
    out, err = out or sys.stdout, err or sys.stderr
    from bot.bootstrap import build_evaluator
    from bot.coaching.rubric import Rubric
    from storage.db import Database

    source = stdin if stdin is not None else sys.stdin.buffer
    answer = read_bounded(source.read, MAX_EVALUATE_CHARS)
    if answer.text is None:
        limit = f"{MAX_EVALUATE_CHARS:,}"
        write(err, text("interview.terminal.evaluate_too_long", language, limit=limit))
        return EXIT_BAD_INPUT
    question_text, question_replaced = clean(question_text)  # argv may carry stray bytes
    if answer.replaced or question_replaced:
        write(err, text("interview.terminal.replaced", language))
    rubric = Rubric.load(settings.interview.prompts_path)
    question = _question(question_text, kind, level, language)
    async with Database(":memory:") as db:
        evaluator = build_evaluator(settings, db, rubric)
        evaluation = await evaluator.evaluate(
            Answer(answer.text), question, GradingContext(level=level, language=language)
        )
    write(out, json.dumps(_evaluation_json(evaluation), ensure_ascii=False, indent=2))
    return EXIT_OK


async def evaluate_batch(
    settings: Settings,
    *,
    stdin: BinaryIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Grade JSON lines from stdin, one object per input line, in order.

    Each line is ``{"id", "question", "kind", "level", "answer", "language"}`` (language
    optional, English by default). A malformed line gets ``{"id", "line", "error"}`` and the
    rest go on. Everything is loaded once.
    """
    # Looked up now, not at import: the entry point may have guarded standard output.
    out, err = out or sys.stdout, err or sys.stderr
    from bot.bootstrap import build_evaluator
    from bot.coaching.rubric import Rubric
    from storage.db import Database

    source = stdin if stdin is not None else sys.stdin.buffer
    reader = LineReader.for_stream(source, max_bytes=MAX_JSONL_LINE_BYTES)
    rubric = Rubric.load(settings.interview.prompts_path)
    failures = 0
    warned = False
    async with Database(":memory:") as db:
        evaluator = build_evaluator(settings, db, rubric)
        number = 0
        while (line := reader.next_line()) is not None:
            number += 1
            if not line.text.strip() and not line.truncated:
                continue
            item_id: object = None
            try:
                if line.truncated:
                    raise ValueError(
                        text(
                            "interview.terminal.evaluate_line_too_long",
                            limit=f"{MAX_JSONL_LINE_BYTES:,}",
                            answer_limit=f"{MAX_EVALUATE_CHARS:,}",
                        )
                    )
                raw = json.loads(line.text)
                if not isinstance(raw, dict):
                    raise ValueError("each line must be a JSON object")
                item_id = raw.get("id")
                question_text, answer, kind, level, language, replaced = _batch_request(raw)
            except ValueError as exc:
                failures += 1
                write(out, json.dumps({"id": item_id, "line": number, "error": str(exc)}))
                continue
            if (replaced or line.replaced) and not warned:
                warned = True
                write(err, text("interview.terminal.replaced"))
            evaluation = await evaluator.evaluate(
                Answer(answer),
                _question(question_text, kind, level, language),
                GradingContext(level=level, language=language),
            )
            row = {"id": item_id, **_evaluation_json(evaluation)}
            write(out, json.dumps(row, ensure_ascii=False))
    return EXIT_SOME_FAILED if failures else EXIT_OK


def _batch_request(
    raw: dict[str, object],
) -> tuple[str, str, Kind, Level, Language, bool]:
    """Validate one batch line; raise ValueError with a message that says what is wrong.

    The last item tells whether characters had to be replaced (a lone surrogate escape).
    """
    question = raw.get("question")
    answer = raw.get("answer")
    if not isinstance(question, str) or not question.strip():
        raise ValueError('"question" must be a non-empty string')
    if not isinstance(answer, str):
        raise ValueError('"answer" must be a string')
    length = len(answer.strip())  # as in an interview, surrounding whitespace is not counted
    if length > MAX_EVALUATE_CHARS:
        raise ValueError(f'"answer" is {length:,} characters; the limit is {MAX_EVALUATE_CHARS:,}')
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
    question, question_replaced = clean(question)
    answer, answer_replaced = clean(answer)
    return question, answer, kind, level, language, question_replaced or answer_replaced
