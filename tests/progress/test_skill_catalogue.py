"""The skill catalogue: schema, both languages, and every rule, checklist id and tag mapped."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.catalog import Kind, Language
from bot.catalog.bank import default_prompts_root
from bot.coaching.rules import NOTE_IDS, RULE_IDS
from bot.llm.prompts import DEFAULT_ROOT
from bot.progress import CatalogueError, SkillCatalogue
from tests.progress.helpers import bank, catalogue

log = logging.getLogger(__name__)

GROUPS = {
    "structure",
    "depth",
    "communication",
    "seniority",
    "coding",
    "system_design",
    "delivery",
    "negotiation",
}


def checklist_ids() -> set[str]:
    """Return every rule id the live evaluation prompts let the model name."""
    found: set[str] = set()
    for path in sorted((DEFAULT_ROOT / "evaluate").glob("v[34].*.yaml")):
        static = yaml.safe_load(path.read_text(encoding="utf-8"))["system_static"]
        found |= set(re.findall(r"\b(?:structure|depth|communication|seniority)\.[a-z_]+", static))
    return found


def test_the_catalogue_has_about_two_dozen_skills_in_every_group() -> None:
    skills = list(catalogue())
    assert 20 <= len(skills) <= 30
    assert {s.group for s in skills} == GROUPS
    for skill in skills:
        for language in Language:
            assert skill.name(language).strip() and skill.description(language).strip()
        assert re.search(r"[\uac00-\ud7a3]", skill.name(Language.KO)), skill.id


def test_every_rubric_rule_and_note_maps_to_a_skill() -> None:
    unmapped = [r for r in (*RULE_IDS, *NOTE_IDS) if not catalogue().for_rule(r)]
    assert unmapped == []


def test_every_model_checklist_id_maps_to_a_skill() -> None:
    ids = checklist_ids()
    assert len(ids) >= 20  # the prompt lists its checklist: this reads it
    assert sorted(i for i in ids if not catalogue().for_rule(i)) == []


def test_every_question_tag_maps_to_a_skill() -> None:
    tags = {tag for q in bank() for tag in q.skills}
    assert len(tags) > 50
    assert sorted(t for t in tags if not catalogue().for_tag(t)) == []


def test_the_catalogue_names_only_real_rules_and_tags() -> None:
    known_rules = set(RULE_IDS) | set(NOTE_IDS)
    tags = {tag for q in bank() for tag in q.skills}
    assert sorted(catalogue().mapped_rules() - known_rules) == []
    assert sorted(catalogue().mapped_tags() - tags) == []


def test_a_question_practises_its_tags_and_its_kind() -> None:
    q = bank().get("beh-mistake-in-production")
    assert q is not None
    practised = catalogue().practised_by(q)
    assert {"own_actions", "reflection", "results"} <= set(practised)
    coding = next(q for q in bank() if q.kind is Kind.CODING)
    assert {"algorithms", "complexity", "coding_process"} <= set(catalogue().practised_by(coding))


def test_a_broken_catalogue_is_refused(tmp_path: Path) -> None:
    shutil.copytree(default_prompts_root() / "skills", tmp_path / "skills")
    path = tmp_path / "skills" / "catalogue.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["skills"][0]["name"].pop("ko")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="ko"):
        SkillCatalogue.load(tmp_path)
    data["skills"][0]["name"]["ko"] = "이름"
    data["skills"][1]["group"] = "nowhere"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="nowhere"):
        SkillCatalogue.load(tmp_path)
