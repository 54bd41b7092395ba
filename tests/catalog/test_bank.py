"""Tests for the question bank API on a small hand-made prompts tree."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalog import Kind, Language, Level, Question
from bot.catalog.bank import BankError, QuestionBank, default_prompts_root
from bot.coaching.rules import PROBLEM_RULE_IDS

KEYWORDS_EN = ["one", "two", "three", "four", "five", "six"]
KEYWORDS_KO = ["하나", "둘", "셋", "넷", "다섯", "여섯"]


def _question(qid: str, levels: list[str], text: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": qid,
        "levels": levels,
        "skills": ["caching"],
        "text": text,
        "hint": f"Hint for {qid}.",
        "keywords": KEYWORDS_EN,
    }
    data.update(extra)
    return data


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _follow_ups(language: str, prefix: str) -> dict[str, Any]:
    rules = PROBLEM_RULE_IDS
    rules_probes: dict[str, Any] = {
        rule: [f"{prefix} {rule} first?", f"{prefix} {rule} second?"] for rule in rules
    }
    # Probes can differ by kind: a shallow story is probed differently from a shallow design.
    rules_probes["depth.shallow"] = {
        "behavioral": [f"{prefix} story deeper?", f"{prefix} story hardest moment?"],
        "technical": [f"{prefix} under the hood?", f"{prefix} why does it work?"],
    }
    return {
        "schema_version": 2,
        "language": language,
        "generic": {
            kind: [f"{prefix} {kind} generic one?", f"{prefix} {kind} generic two?"]
            for kind in ("behavioral", "technical", "system_design", "coding")
        },
        "rules": rules_probes,
    }


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """Write a tiny bank: two English technical questions, one Korean one, follow-ups in en."""
    prompts = tmp_path / "prompts"
    _dump(
        prompts / "questions" / "en" / "technical.yaml",
        {
            "schema_version": 1,
            "kind": "technical",
            "language": "en",
            "questions": [
                _question("tech-cache", ["senior", "junior"], "What is a   cache?\n"),
                _question(
                    "tech-index", ["mid"], "What is an index?", skills=["indexing", "databases"]
                ),
            ],
        },
    )
    _dump(
        prompts / "questions" / "ko" / "technical.yaml",
        {
            "schema_version": 1,
            "kind": "technical",
            "language": "ko",
            "questions": [
                _question("tech-cache-ko", ["mid"], "캐시란 무엇인가요?", keywords=KEYWORDS_KO),
            ],
        },
    )
    _dump(prompts / "followups" / "en.yaml", _follow_ups("en", "EN"))
    return prompts


def test_questions_returns_file_order_for_kind_and_language(root: Path) -> None:
    bank = QuestionBank.load(root)
    assert [q.id for q in bank.questions(Kind.TECHNICAL, Language.EN)] == [
        "tech-cache",
        "tech-index",
    ]
    assert [q.id for q in bank.questions(Kind.TECHNICAL, Language.KO)] == ["tech-cache-ko"]
    assert bank.questions(Kind.CODING, Language.EN) == []
    assert len(bank) == 3


def test_questions_can_filter_by_level(root: Path) -> None:
    bank = QuestionBank.load(root)
    assert [q.id for q in bank.questions(Kind.TECHNICAL, Language.EN, Level.MID)] == ["tech-index"]
    assert [q.id for q in bank.questions(Kind.TECHNICAL, Language.EN, Level.JUNIOR)] == [
        "tech-cache"
    ]


def test_questions_accepts_plain_strings(root: Path) -> None:
    bank = QuestionBank.load(root)
    assert bank.questions("technical", "en") == bank.questions(Kind.TECHNICAL, Language.EN)  # type: ignore[arg-type]


def test_get_returns_a_fully_typed_question(root: Path) -> None:
    question = QuestionBank.load(root).get("tech-cache")
    assert question == Question(
        id="tech-cache",
        kind=Kind.TECHNICAL,
        language=Language.EN,
        levels=(Level.JUNIOR, Level.SENIOR),
        skills=("caching",),
        text="What is a cache?",
        hint="Hint for tech-cache.",
        keywords=tuple(KEYWORDS_EN),
    )
    assert question is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        question.text = "changed"  # type: ignore[misc]


def test_get_finds_questions_of_any_language_and_none_for_unknown_ids(root: Path) -> None:
    bank = QuestionBank.load(root)
    found = bank.get("tech-cache-ko")
    assert found is not None and found.language is Language.KO
    assert found.keywords == tuple(KEYWORDS_KO)
    assert bank.get("tech-missing") is None
    assert bank.get("") is None


def test_returned_lists_are_copies(root: Path) -> None:
    bank = QuestionBank.load(root)
    bank.questions(Kind.TECHNICAL, Language.EN).clear()
    bank.follow_ups("depth.shallow", Language.EN).clear()
    bank.generic_follow_ups(Language.EN, Kind.CODING).clear()
    assert len(bank.questions(Kind.TECHNICAL, Language.EN)) == 2
    assert len(bank.follow_ups("depth.shallow", Language.EN, Kind.TECHNICAL)) == 2
    assert len(bank.generic_follow_ups(Language.EN, Kind.CODING)) == 2


def test_follow_ups_by_rule_and_language(root: Path) -> None:
    bank = QuestionBank.load(root)
    assert bank.follow_ups("depth.no_tradeoffs", Language.EN) == [
        "EN depth.no_tradeoffs first?",
        "EN depth.no_tradeoffs second?",
    ]
    assert bank.follow_ups("depth.not_a_rule", Language.EN) == []
    assert bank.follow_ups("depth.no_tradeoffs", Language.KO) == []


def test_follow_ups_fit_the_interview_kind(root: Path) -> None:
    bank = QuestionBank.load(root)
    story = bank.follow_ups("depth.shallow", Language.EN, Kind.BEHAVIORAL)
    tech = bank.follow_ups("depth.shallow", Language.EN, Kind.TECHNICAL)

    assert story == ["EN story deeper?", "EN story hardest moment?"]
    assert tech == ["EN under the hood?", "EN why does it work?"]
    # A rule with one list fits every kind.
    assert bank.follow_ups("structure.result_missing", Language.EN, Kind.CODING) == [
        "EN structure.result_missing first?",
        "EN structure.result_missing second?",
    ]
    # No kind-specific probes for this kind: nothing rather than another kind's probe.
    assert bank.follow_ups("depth.shallow", Language.EN, Kind.CODING) == []
    assert bank.generic_follow_ups(Language.EN, Kind.CODING) == [
        "EN coding generic one?",
        "EN coding generic two?",
    ]
    assert bank.generic_follow_ups(Language.KO, Kind.CODING) == []
    assert "communication.we_without_i" in bank.rule_ids(Language.EN)
    assert bank.rule_ids(Language.KO) == []


def test_iterating_yields_every_question(root: Path) -> None:
    bank = QuestionBank.load(root)
    assert sorted(q.id for q in bank) == ["tech-cache", "tech-cache-ko", "tech-index"]


def test_schema_falls_back_to_the_shipped_one(root: Path) -> None:
    assert not (root / "schema").exists()
    bank = QuestionBank.load(root)
    assert bank.get("tech-index") is not None


def test_local_schema_is_used_when_present(root: Path) -> None:
    schema_dir = root / "schema"
    schema_dir.mkdir()
    shipped = default_prompts_root() / "schema"
    for name in ("questions.schema.json", "followups.schema.json"):
        (schema_dir / name).write_text((shipped / name).read_text(encoding="utf-8"))
    # Tighten the local copy so only one level per question is allowed.
    local = schema_dir / "questions.schema.json"
    local.write_text(
        local.read_text(encoding="utf-8").replace(
            '"minItems": 1,\n          "uniqueItems"',
            '"minItems": 1,\n          "maxItems": 1,\n          "uniqueItems"',
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(BankError) as info:
        QuestionBank.load(root)
    assert "levels" in str(info.value)


def test_missing_questions_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BankError) as info:
        QuestionBank.load(tmp_path)
    assert info.value.path == tmp_path / "questions"
    assert "questions" in str(info.value)


def test_missing_followups_folder_is_an_error(root: Path) -> None:
    (root / "followups" / "en.yaml").unlink()
    (root / "followups").rmdir()
    with pytest.raises(BankError, match="followups"):
        QuestionBank.load(root)


def test_hidden_files_are_ignored(root: Path) -> None:
    (root / "questions" / "en" / ".technical.yaml.swp").write_text("garbage: [")
    (root / "questions" / ".DS_Store").write_text("garbage")
    assert len(QuestionBank.load(root)) == 3


def test_non_utf8_file_is_an_error(root: Path) -> None:
    path = root / "questions" / "ko" / "technical.yaml"
    path.write_bytes("캐시".encode("euc-kr"))
    with pytest.raises(BankError) as info:
        QuestionBank.load(root)
    assert info.value.path == path
    assert "UTF-8" in str(info.value)


def test_error_message_names_file_and_problem(root: Path) -> None:
    path = root / "questions" / "en" / "technical.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"][1]["keywords"] = ["too", "few"]
    _dump(path, data)
    with pytest.raises(BankError) as info:
        QuestionBank.load(root)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")
    assert "questions[1].keywords" in info.value.problem


def test_default_prompts_root_is_the_repository_folder() -> None:
    root = default_prompts_root()
    assert root.name == "prompts"
    assert (root / "questions").is_dir()
    assert (root.parent / "bot" / "catalog" / "bank.py").is_file()


def test_bank_can_be_built_in_memory() -> None:
    question = Question(
        id="code-x",
        kind=Kind.CODING,
        language=Language.KO,
        levels=(Level.MID,),
        skills=("arrays",),
        text="배열 문제입니다. 어떻게 푸시겠어요?",
        hint="작은 예시부터 보세요.",
    )
    bank = QuestionBank(
        [question],
        follow_ups={Language.KO: {"depth.shallow": ["왜 그런가요?"]}},
        generic_follow_ups={Language.KO: ["더 말씀해 주세요."]},  # a list fits every kind
    )
    assert bank.questions(Kind.CODING, Language.KO) == [question]
    assert bank.get("code-x") is question
    assert bank.follow_ups("depth.shallow", Language.KO) == ["왜 그런가요?"]
    assert bank.generic_follow_ups(Language.KO) == ["더 말씀해 주세요."]
    assert bank.generic_follow_ups(Language.EN) == []
    with pytest.raises(ValueError, match="code-x"):
        QuestionBank([question, question])
