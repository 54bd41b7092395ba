"""A server's own questions: the bank's schema, line-numbered errors, and interviews using them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level
from bot.guilds.questions import QuestionFileError, ServerQuestions, load_schema
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import QuestionAsked
from storage.db import Database
from storage.questions_server import SqliteServerQuestions
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.guilds import InMemoryServerQuestionStore
from tests.fakes.sessions import InMemorySessionStore
from tests.interview.helpers import GUILD, opts

KEYWORDS = "[queue, retry, backoff, failure, alert, recover]"

GOOD_YAML = f"""\
schema_version: 1
kind: behavioral
language: en
questions:
  - id: beh-first-incident
    levels: [mid]
    skills: [incident_response]
    text: "Tell me about the first production incident you handled."
    hint: "Say what you did in the first ten minutes."
    keywords: {KEYWORDS}
  - id: beh-oncall-habit
    levels: [junior, mid, senior]
    skills: [ownership]
    text: "What on-call habit would you teach a new teammate?"
    hint: "One habit, and the incident that taught it to you."
    keywords: {KEYWORDS}
"""

BAD_YAML = """\
schema_version: 1
kind: behavioral
language: en
questions:
  - id: beh-ok-one
    levels: [mid]
    skills: [ownership]
    text: "A fine question?"
    hint: "Fine."
    keywords: [a, b, c, d, e, f]
  - id: beh-broken
    levels: [expert]
    skills: [ownership]
    text: "A broken question?"
    keywords: [a, b]
"""

GOOD_CSV = """\
kind,language,id,levels,skills,text,hint,keywords
technical,en,,mid;senior,caching,How would you cache an API?,Name it.,cache;ttl;stale;hit;miss;lru
behavioral,ko,beh-gap,junior,learning,최근에 배운 것은?,하나만.,배움;책;강의;연습;실수;성장
"""

BAD_CSV = """\
kind,language,id,levels,skills,text,hint,keywords
technical,en,,mid,caching,How would you cache a slow API?,Name it.,cache;ttl;stale;hit;miss;lru
cooking,en,,mid,caching,What is your favourite pan?,Any.,a;b;c;d;e;f
technical,en,,mid,Bad Skill,Another one?,Hint.,a;b;c;d;e;f
"""


def questions(store: InMemoryServerQuestionStore | None = None) -> ServerQuestions:
    bank = make_bank()
    return ServerQuestions(
        store or InMemoryServerQuestionStore(),
        load_schema(),
        bank_ids=frozenset(q.id for q in bank),
    )


async def test_a_bank_shaped_yaml_file_adds_every_question_under_server_ids() -> None:
    sq = questions()
    result = await sq.import_file(GUILD, "mine.yaml", GOOD_YAML.encode(), Language.EN)
    assert [q.id for q in result.added] == [
        f"beh-g{GUILD}-first-incident",
        f"beh-g{GUILD}-oncall-habit",
    ]
    assert [q.id for q in sq.questions(GUILD, Kind.BEHAVIORAL, Language.EN)] == [
        q.id for q in result.added
    ]
    assert sq.questions(GUILD + 1, Kind.BEHAVIORAL, Language.EN) == []
    assert sq.get(result.added[0].id) == result.added[0]


async def test_yaml_problems_are_reported_with_their_lines_and_nothing_is_added() -> None:
    sq = questions()
    with pytest.raises(QuestionFileError) as refused:
        await sq.import_file(GUILD, "bad.yml", BAD_YAML.encode(), Language.EN)
    lines = {(p.line, p.field) for p in refused.value.problems}
    # The second question starts on line 11: 'expert' is on line 12, keywords on line 15.
    assert (12, "questions[1].levels[0]") in lines
    assert (15, "questions[1].keywords") in lines
    assert (11, "questions[1]") in lines  # the missing hint belongs to the question
    message = refused.value.user_message
    assert "line 12" in message and "expert" in message and "hint" in message
    assert sq.for_guild(GUILD) == []


async def test_broken_yaml_says_where() -> None:
    with pytest.raises(QuestionFileError) as refused:
        await questions().import_file(
            GUILD, "x.yaml", b"questions: [\n  - id: beh-a\n", Language.KO
        )
    (problem,) = refused.value.problems
    assert problem.line is not None and problem.line >= 2
    assert "YAML" in refused.value.message_in(Language.KO)


async def test_csv_rows_are_checked_one_by_one_with_their_line_numbers() -> None:
    sq = questions()
    result = await sq.import_file(GUILD, "q.csv", GOOD_CSV.encode(), Language.EN)
    assert [(q.kind, q.language) for q in result.added] == [
        (Kind.TECHNICAL, Language.EN),
        (Kind.BEHAVIORAL, Language.KO),
    ]
    assert result.added[0].levels == (Level.MID, Level.SENIOR)
    assert result.added[1].id == f"beh-g{GUILD}-gap"
    with pytest.raises(QuestionFileError) as refused:
        await questions().import_file(GUILD, "q.csv", BAD_CSV.encode(), Language.EN)
    where = {(p.line, p.field) for p in refused.value.problems}
    assert where == {(3, "kind"), (4, "skills")}


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("q.txt", b"hello", ".csv"),
        ("q.csv", b"\xff\xfe\x00", "UTF-8"),
        ("q.csv", b"kind,text\nbehavioral,hi\n", "language"),
        ("q.yaml", b"", "no questions"),
        ("q.yaml", b"x" * 300_000, "KB"),
    ],
)
async def test_unusable_files_get_a_clear_message(name: str, data: bytes, needle: str) -> None:
    with pytest.raises(QuestionFileError) as refused:
        await questions().import_file(GUILD, name, data, Language.EN)
    assert needle in refused.value.user_message


async def test_duplicates_within_a_file_and_with_the_server_are_refused() -> None:
    sq = questions()
    await sq.import_file(GUILD, "mine.yaml", GOOD_YAML.encode(), Language.EN)
    with pytest.raises(QuestionFileError) as again:
        await sq.import_file(GUILD, "mine.yaml", GOOD_YAML.encode(), Language.EN)
    assert "already" in again.value.user_message
    doubled = GOOD_YAML.replace("beh-oncall-habit", "beh-first-incident")
    with pytest.raises(QuestionFileError) as twice:
        await questions().import_file(GUILD, "twice.yaml", doubled.encode(), Language.EN)
    assert [(p.line, p.field) for p in twice.value.problems] == [(11, "id")]


async def test_a_form_question_is_checked_field_by_field() -> None:
    sq = questions()
    fields = {
        "text": "Describe a time you simplified a process.",
        "hint": "Before and after, in numbers.",
        "levels": "",
        "skills": "delivery, ownership",
        "keywords": "process, simpler, steps, removed, time, saved",
    }
    added = await sq.add_one(GUILD, Kind.BEHAVIORAL, Language.EN, fields, Language.EN)
    assert added.levels == (Level.JUNIOR, Level.MID, Level.SENIOR)
    assert added.id.startswith(f"beh-g{GUILD}-describe-a-time")
    with pytest.raises(QuestionFileError) as refused:
        await sq.add_one(
            GUILD,
            Kind.BEHAVIORAL,
            Language.EN,
            {**fields, "text": "Another?", "keywords": "too, few", "skills": "Not A Tag"},
            Language.KO,
        )
    assert {p.field for p in refused.value.problems} == {"keywords", "skills"}
    assert refused.value.problems[0].line is None


async def test_interviews_in_the_server_ask_its_questions_first(tmp_path: Path) -> None:
    db = await Database(tmp_path / "q.sqlite3").open()
    try:
        store = SqliteServerQuestions(db)
        first = ServerQuestions(store, load_schema())
        own = "\n".join(GOOD_YAML.splitlines()[:10]).replace("[mid]", "[junior, mid, senior]")
        await first.import_file(GUILD, "one.yaml", (own + "\n").encode(), Language.EN)
        # A restart reads them back.
        later = ServerQuestions(store, load_schema())
        assert await later.load() == 1
        engine = InterviewEngine(
            InMemorySessionStore(), make_bank(), ScriptedEvaluator(), extra=later
        )
        _, events = await engine.start(opts(count=2))
        asked = next(e for e in events if isinstance(e, QuestionAsked))
        assert asked.turn.question_id == f"beh-g{GUILD}-first-incident"
        assert asked.question.hint.startswith("Say what you did")
        # Another server never sees them.
        elsewhere = InterviewEngine(
            InMemorySessionStore(), make_bank(), ScriptedEvaluator(), extra=later
        )
        elsewhere_opts = StartOptions(
            user_id=8, guild_id=GUILD + 1, kind=Kind.BEHAVIORAL, level=Level.MID, count=2
        )
        _, events = await elsewhere.start(elsewhere_opts)
        asked = next(e for e in events if isinstance(e, QuestionAsked))
        assert not asked.turn.question_id.startswith("beh-g")
        removed = await later.remove(GUILD, f"beh-g{GUILD}-first-incident", Language.EN)
        assert removed.text.startswith("Tell me about")
        assert await store.all() == []
    finally:
        await db.close()
