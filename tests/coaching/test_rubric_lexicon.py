"""Every lexicon file loads, matches its schema and covers every rule."""

from __future__ import annotations

import json
import logging
import string
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from bot.catalog import Language
from bot.coaching.context import CompiledLexicon
from bot.coaching.lexicon import MARKERS, Lexicon, LexiconError
from bot.coaching.matcher import parse_phrase
from bot.coaching.rubric import Rubric
from bot.coaching.rules import ALL_RULES, RULE_IDS, TEXT_IDS
from bot.coaching.text import tokenize
from bot.coaching.topics import TopicLexicon

log = logging.getLogger(__name__)

RUBRIC = Path(__file__).resolve().parents[2] / "prompts" / "rubric"
FILES = sorted(RUBRIC.glob("*.yaml"))
KNOWN_PLACEHOLDERS = {
    "quote",
    "count",
    "words",
    "limit",
    "steps",
    "we",
    "i",
    "hits",
    "needed",
    "fix",
    "message",
    "reason",
    "answer_language",
    "session_language",
    "counts",
}
TOPICS = RUBRIC / "topics"
TOPIC_FILES = sorted(TOPICS.glob("*.yaml"))


def test_there_is_a_lexicon_per_language() -> None:
    assert {p.stem for p in FILES} == {lang.value for lang in Language}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_matches_schema(path: Path) -> None:
    schema = json.loads((RUBRIC / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_loads_and_covers_every_rule(path: Path) -> None:
    lexicon = Lexicon.load(path)

    assert lexicon.language.value == path.stem
    assert set(TEXT_IDS) <= set(lexicon.rules)
    assert set(lexicon.rules) <= set(TEXT_IDS), "text for a rule that does not exist"
    positives = {r for r in RULE_IDS if r.startswith("positive.")}
    assert positives <= set(lexicon.coaching.praise)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_templates_use_only_known_placeholders(path: Path) -> None:
    lexicon = Lexicon.load(path)
    texts = [t for r in lexicon.rules.values() for t in (r.message, r.fix, r.tip)]
    texts += list(lexicon.coaching.praise.values())
    texts += [lexicon.coaching.fix, lexicon.coaching.no_problem, lexicon.coaching.default_tip]

    for text in texts:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        assert names <= KNOWN_PLACEHOLDERS, text


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_phrase_is_usable(path: Path) -> None:
    lexicon = Lexicon.load(path)
    compiled = CompiledLexicon(lexicon)
    # A one-word filler is removed wherever it stands; a longer one only as a whole.
    single = {
        parse_phrase(p, lexicon.matching, compiled.stem)[0].value
        for p in lexicon.markers["fillers"]
        if len(parse_phrase(p, lexicon.matching, compiled.stem)) == 1
    }
    sequences = [
        " ".join(t.norm for t in tokenize(p.replace("=", "").replace("*", ""), False))
        for p in lexicon.markers["fillers"]
        if len(parse_phrase(p, lexicon.matching, compiled.stem)) > 1
    ]
    for category in MARKERS:
        for phrase in lexicon.markers[category]:
            elements = parse_phrase(phrase, lexicon.matching, compiled.stem)
            assert elements, f"{category}: {phrase!r} has no word"
            if category != "fillers":
                # Fillers are removed before matching, so a phrase holding one never matches.
                words = [t.norm for t in tokenize(phrase.replace("=", "").replace("*", ""), False)]
                assert not set(words) & single, f"{category}: {phrase!r} contains a filler"
                joined = " ".join(words)
                assert not any(seq in joined for seq in sequences), f"{category}: {phrase!r}"


def test_there_is_a_topic_file_per_language() -> None:
    assert {p.stem for p in TOPIC_FILES} == {lang.value for lang in Language}


@pytest.mark.parametrize("path", TOPIC_FILES, ids=lambda p: p.name)
def test_topic_file_matches_schema_and_loads(path: Path) -> None:
    schema = json.loads((TOPICS / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]

    lexicon = TopicLexicon.load(path)
    assert lexicon.language.value == path.stem
    for topic in lexicon.topics.values():
        for phrase in (*topic.question, *topic.answer):
            assert parse_phrase(phrase, lexicon.matching, str), f"{topic.id}: {phrase!r}"


def test_topics_are_the_same_in_every_language() -> None:
    # Topic ids are shared so a Korean answer to an English question can be compared.
    ids = {p.stem: set(TopicLexicon.load(p).topics) for p in TOPIC_FILES}
    assert ids["ko"] <= ids["en"]


def test_malformed_lexicon_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load((RUBRIC / "en.yaml").read_text(encoding="utf-8"))
    del data["markers"]["hedges"]
    broken = tmp_path / "en.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")

    with pytest.raises(LexiconError, match="hedges"):
        Lexicon.load(broken)


def test_lexicon_without_text_for_a_rule_is_rejected() -> None:
    lexicon = Lexicon.load(RUBRIC / "en.yaml")
    rules = dict(lexicon.rules)
    del rules["depth.shallow"]
    broken = Lexicon(
        **{**{f: getattr(lexicon, f) for f in lexicon.__dataclass_fields__}, "rules": rules}
    )

    with pytest.raises(LexiconError, match=r"depth\.shallow"):
        Rubric({Language.EN: broken})


def test_rubric_loads_from_prompts_or_repository_root() -> None:
    assert Rubric.load(RUBRIC.parent).languages == frozenset(Language)
    assert Rubric.load(RUBRIC.parent.parent).languages == frozenset(Language)
    with pytest.raises(LexiconError):
        Rubric.load(RUBRIC / "nowhere")


def test_rule_ids_are_unique_and_rules_declare_their_scope() -> None:
    assert len(RULE_IDS) == len(set(RULE_IDS))
    for rule in ALL_RULES:
        assert rule.kinds and rule.levels
        assert rule.id.split(".")[0] in {
            "structure",
            "depth",
            "communication",
            "seniority",
            "positive",
        }
