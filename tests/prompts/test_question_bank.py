"""Check every question and follow-up data file, and that broken files are rejected clearly."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from bot.catalog import Kind, Language, Level
from bot.catalog.bank import BankError, QuestionBank, default_prompts_root
from bot.coaching.rules import ALL_RULES, PROBLEM_RULE_IDS

ROOT = default_prompts_root()
MIN_QUESTIONS = 18
MIN_PER_LEVEL = 6
RULE_IDS = PROBLEM_RULE_IDS
PROBLEM_RULES = [rule for rule in ALL_RULES if rule.id in PROBLEM_RULE_IDS]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PREFIX = {"behavioral": "beh-", "technical": "tech-", "system_design": "sd-", "coding": "code-"}
COMBOS = [(kind, lang) for kind in Kind for lang in Language]


def _raw(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _question_files() -> list[Path]:
    return sorted((ROOT / "questions").glob("*/*.yaml"))


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return QuestionBank.load(ROOT)


def test_every_kind_and_language_has_a_file() -> None:
    found = {(p.parent.name, p.stem) for p in _question_files()}
    assert found == {(lang.value, kind.value) for kind, lang in COMBOS}
    assert {p.stem for p in (ROOT / "followups").glob("*.yaml")} == {
        lang.value for lang in Language
    }


def test_schemas_are_valid_json_schema() -> None:
    for path in sorted((ROOT / "schema").glob("*.json")):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_every_file_matches_its_schema() -> None:
    q_schema = json.loads((ROOT / "schema" / "questions.schema.json").read_text(encoding="utf-8"))
    f_schema = json.loads((ROOT / "schema" / "followups.schema.json").read_text(encoding="utf-8"))
    for path in _question_files():
        jsonschema.validate(_raw(path), q_schema)
    for path in sorted((ROOT / "followups").glob("*.yaml")):
        jsonschema.validate(_raw(path), f_schema)


def test_bank_loads_every_question(bank: QuestionBank) -> None:
    raw_count = sum(len(_raw(p)["questions"]) for p in _question_files())
    assert len(bank) == raw_count


@pytest.mark.parametrize(("kind", "language"), COMBOS)
def test_enough_distinct_questions(bank: QuestionBank, kind: Kind, language: Language) -> None:
    questions = bank.questions(kind, language)
    distinct = {" ".join(q.text.casefold().split()) for q in questions}
    assert len(distinct) == len(questions)
    assert len(distinct) >= MIN_QUESTIONS


@pytest.mark.parametrize(("kind", "language"), COMBOS)
def test_every_level_has_enough_questions(
    bank: QuestionBank, kind: Kind, language: Language
) -> None:
    for level in Level:
        at_level = [q for q in bank.questions(kind, language) if level in q.levels]
        assert len(at_level) >= MIN_PER_LEVEL, f"{kind}/{language}/{level}: {len(at_level)}"


def test_ids_are_unique_across_all_files() -> None:
    ids = Counter(q["id"] for p in _question_files() for q in _raw(p)["questions"])
    assert [qid for qid, n in ids.items() if n > 1] == []


def test_ids_are_kebab_case_with_kind_prefix() -> None:
    for path in _question_files():
        prefix = PREFIX[path.stem]
        for q in _raw(path)["questions"]:
            assert q["id"].startswith(prefix), q["id"]
            assert KEBAB.match(q["id"]), q["id"]


@pytest.mark.parametrize(("kind", "language"), COMBOS)
def test_question_fields_are_well_formed(
    bank: QuestionBank, kind: Kind, language: Language
) -> None:
    for q in bank.questions(kind, language):
        assert q.levels, q.id
        assert q.skills and all(SNAKE.match(s) for s in q.skills), q.id
        assert 6 <= len(q.keywords) <= 12, q.id
        assert len({k.casefold() for k in q.keywords}) == len(q.keywords), q.id
        assert all(k == k.lower() for k in q.keywords), q.id
        assert q.hint.casefold() != q.text.casefold(), q.id
        assert q.text.rstrip().endswith(("?", ".", "요")), q.id


@pytest.mark.parametrize("kind", list(Kind))
def test_korean_is_korean_and_english_is_not(bank: QuestionBank, kind: Kind) -> None:
    for q in bank.questions(kind, Language.KO):
        assert HANGUL.search(q.text) and HANGUL.search(q.hint), q.id
        assert any(HANGUL.search(k) for k in q.keywords), q.id
    for q in bank.questions(kind, Language.EN):
        assert not HANGUL.search(q.text + q.hint + " ".join(q.keywords)), q.id


def test_english_and_korean_use_the_same_skill_tags(bank: QuestionBank) -> None:
    tags = {
        lang: {s for kind in Kind for q in bank.questions(kind, lang) for s in q.skills}
        for lang in Language
    }
    assert tags[Language.EN] == tags[Language.KO]


def test_coding_questions_ask_for_a_walkthrough(bank: QuestionBank) -> None:
    for q in bank.questions(Kind.CODING, Language.EN):
        assert "walk me through" in q.text.casefold(), q.id
    for q in bank.questions(Kind.CODING, Language.KO):
        assert "설명" in q.text or "어떻게" in q.text, q.id


@pytest.mark.parametrize("language", list(Language))
def test_every_rule_has_follow_ups_for_every_kind_it_grades(
    bank: QuestionBank, language: Language
) -> None:
    for rule in PROBLEM_RULES:
        for kind in rule.kinds:
            probes = bank.follow_ups(rule.id, language, kind)
            assert 2 <= len(probes) <= 4, (rule.id, kind)
            assert all(p.rstrip().endswith(("?", ".")) for p in probes), rule.id
    assert set(bank.rule_ids(language)) == set(RULE_IDS)
    for kind in Kind:
        assert len(bank.generic_follow_ups(language, kind)) >= 3


@pytest.mark.parametrize("language", list(Language))
def test_probes_written_for_a_kind_are_for_a_kind_the_rule_grades(language: Language) -> None:
    data = _raw(ROOT / "followups" / f"{language.value}.yaml")
    for rule in PROBLEM_RULES:
        probes = data["rules"][rule.id]
        if isinstance(probes, dict):
            written = {Kind(k) for k in probes if k != "any"}
            assert written <= rule.kinds, (rule.id, written - rule.kinds)


# Words that tie a probe to other kinds of interview: a probe asked after an answer of the
# key's kind must not use them (a behavioral story is not asked about traffic; a coding
# walk-through is not asked for a story from work).
FOREIGN: dict[Kind, tuple[str, ...]] = {
    Kind.BEHAVIORAL: (
        "traffic",
        "requests per second",
        "component",
        "complexity",
        "your code",
        "your design",
        "data structure",
        "under the hood",
        "in production",
        "load",
        "트래픽",
        "초당 요청",
        "구성 요소",
        "복잡도",
        "코드",
        "설계",
        "자료구조",
        "운영 환경",
        "부하",
    ),
    Kind.TECHNICAL: ("story", "colleague", "traffic", "이야기", "동료", "트래픽"),
    Kind.SYSTEM_DESIGN: (
        "story",
        "colleague",
        "example from your work",
        "이야기",
        "동료",
        "업무 경험",
    ),
    Kind.CODING: (
        "story",
        "colleague",
        "example from your work",
        "traffic",
        "stakeholder",
        "이야기",
        "동료",
        "업무 경험",
        "트래픽",
    ),
}


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", list(Kind))
def test_every_probe_fits_the_kind_of_answer_it_follows(
    bank: QuestionBank, kind: Kind, language: Language
) -> None:
    asked = [(None, p) for p in bank.generic_follow_ups(language, kind)]
    asked += [
        (rule.id, p)
        for rule in PROBLEM_RULES
        if kind in rule.kinds
        for p in bank.follow_ups(rule.id, language, kind)
    ]
    unfit = [
        (rule, probe, word)
        for rule, probe in asked
        for word in FOREIGN[kind]
        if re.search(rf"(?<![\w]){re.escape(word)}", probe, re.IGNORECASE)
    ]
    assert unfit == []


def test_a_story_is_not_asked_about_traffic(bank: QuestionBank) -> None:
    for language in Language:
        scale = bank.follow_ups("seniority.no_scale", language, Kind.BEHAVIORAL)
        assert scale and not any("traffic" in p or "트래픽" in p for p in scale)
        design = bank.follow_ups("seniority.no_scale", language, Kind.SYSTEM_DESIGN)
        assert any("traffic" in p or "트래픽" in p for p in design)


def test_a_behavioral_story_is_not_probed_like_a_system(bank: QuestionBank) -> None:
    story = bank.follow_ups("depth.shallow", Language.EN, Kind.BEHAVIORAL)
    story += bank.generic_follow_ups(Language.EN, Kind.BEHAVIORAL)
    assert not any("under the hood" in p or "mechanism" in p for p in story)
    code = bank.generic_follow_ups(Language.EN, Kind.CODING)
    assert not any("colleague" in p or "situation" in p for p in code)


def test_korean_follow_ups_are_korean(bank: QuestionBank) -> None:
    probes = [p for kind in Kind for p in bank.generic_follow_ups(Language.KO, kind)] + [
        p for rule in RULE_IDS for p in bank.follow_ups(rule, Language.KO)
    ]
    assert all(HANGUL.search(p) for p in probes)


# Broken files: each case copies the real prompts tree, breaks one file, and expects BankError.

Breaker = Callable[[Path], Path]


def _edit(rel: str, old: str, new: str) -> Breaker:
    def breaker(root: Path) -> Path:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"test setup: {old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return breaker


def _write(rel: str, text: str) -> Breaker:
    def breaker(root: Path) -> Path:
        path = root / rel
        path.write_text(text, encoding="utf-8")
        return path

    return breaker


def _mkdir(rel: str) -> Breaker:
    def breaker(root: Path) -> Path:
        path = root / rel
        path.mkdir()
        return path

    return breaker


def _duplicate_id_across_files(root: Path) -> Path:
    path = root / "questions" / "ko" / "behavioral.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("id: beh-team-disagreement-ko", "id: beh-disagreed-with-teammate", 1),
        encoding="utf-8",
    )
    return path


BROKEN: dict[str, tuple[Breaker, str]] = {
    "bad_yaml": (
        _edit("questions/en/coding.yaml", "questions:\n", "questions: [\n"),
        "invalid YAML",
    ),
    "missing_field": (
        _edit(
            "questions/en/technical.yaml",
            '    hint: "Go in order from name resolution',
            '    hunt: "Go in order from name resolution',
        ),
        "hint",
    ),
    "duplicate_id_in_file": (
        _edit(
            "questions/en/behavioral.yaml", "id: beh-proudest-project", "id: beh-missed-deadline"
        ),
        "beh-missed-deadline",
    ),
    "duplicate_id_across_files": (_duplicate_id_across_files, "beh-disagreed-with-teammate"),
    "wrong_kind": (
        _edit("questions/en/system_design.yaml", "kind: system_design", "kind: technical"),
        "kind",
    ),
    "wrong_language": (
        _edit("questions/ko/coding.yaml", "language: ko", "language: en"),
        "language",
    ),
    "id_prefix_for_other_kind": (
        _edit("questions/en/coding.yaml", "id: code-two-sum", "id: tech-two-sum"),
        "code-",
    ),
    "no_levels": (
        _edit(
            "questions/ko/technical.yaml",
            "levels: [junior]\n    skills: [networking, http]",
            "levels: []\n    skills: [networking, http]",
        ),
        "levels",
    ),
    "empty_text": (
        _edit(
            "questions/en/behavioral.yaml",
            'text: "Tell me about a time you disagreed with a teammate about a technical decision.'
            ' How did you handle it?"',
            'text: "   "',
        ),
        "text",
    ),
    "duplicate_key": (
        _edit(
            "questions/en/technical.yaml",
            "    levels: [senior]\n",
            "    levels: [senior]\n    levels: [junior]\n",
        ),
        "duplicate key",
    ),
    "repeated_question_text": (
        _edit(
            "questions/en/behavioral.yaml",
            "Describe a time you realised you were going to miss a deadline. What did you do?",
            "Tell me about the project you are most proud of and the part you personally"
            " played in it.",
        ),
        "repeats the text",
    ),
    "too_few_keywords": (
        _edit(
            "questions/en/coding.yaml",
            "keywords: [array, target, indices, hash, map, complement, loop, brute, linear, pair]",
            "keywords: [array, target]",
        ),
        "keywords",
    ),
    "unknown_kind_file": (
        _write("questions/en/trivia.yaml", "schema_version: 1\n"),
        "expected <kind>.yaml",
    ),
    "unknown_language_folder": (
        _mkdir("questions/fr"),
        "language folder",
    ),
    "follow_up_rule_missing": (
        _edit("followups/ko.yaml", "  depth.shallow:\n", "  depth.shallowish:\n"),
        "depth.shallow",
    ),
    "follow_up_too_many_probes": (
        _edit(
            "followups/en.yaml",
            '    - "Did it work, and how did you know?"\n',
            '    - "Did it work, and how did you know?"\n    - "And then?"\n    - "So?"\n',
        ),
        "structure.result_missing",
    ),
    "follow_up_wrong_language": (
        _edit("followups/en.yaml", "language: en", "language: ko"),
        "language",
    ),
    "broken_schema": (
        _write("schema/questions.schema.json", "{not json"),
        "schema",
    ),
}


@pytest.fixture()
def prompts_copy(tmp_path: Path) -> Path:
    root = tmp_path / "prompts"
    shutil.copytree(ROOT, root)
    QuestionBank.load(root)  # the unbroken copy must load, or the cases below prove nothing
    return root


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_raises_bank_error_naming_the_file(prompts_copy: Path, case: str) -> None:
    breaker, problem = BROKEN[case]
    broken = breaker(prompts_copy)
    with pytest.raises(BankError) as info:
        QuestionBank.load(prompts_copy)
    message = str(info.value)
    assert broken.name in message
    assert info.value.path == broken
    assert problem in message
