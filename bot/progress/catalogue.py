"""The skill catalogue: microskills in groups, and what maps to each (data in prompts/skills/)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import yaml

from bot.catalog import Kind, Language, Question

log = logging.getLogger(__name__)

SKILLS_DIR = "skills"
CATALOGUE_FILE = "catalogue.yaml"
SCHEMA_FILE = "schema.json"
DIMENSIONS = ("structure", "depth", "communication", "seniority")


class CatalogueError(ValueError):
    """The skill catalogue is missing, malformed or inconsistent."""


@dataclass(frozen=True, slots=True)
class Skill:
    """One microskill: its names in each language and what feeds it evidence."""

    id: str
    group: str
    names: Mapping[Language, str]
    descriptions: Mapping[Language, str]
    dimension: str | None = None
    rules: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    spoken_only: bool = False

    def name(self, language: Language) -> str:
        """Return the skill's name in ``language``."""
        return self.names.get(language) or self.names[Language.EN]

    def description(self, language: Language) -> str:
        """Return the one-line description in ``language``."""
        return self.descriptions.get(language) or self.descriptions[Language.EN]


class SkillCatalogue:
    """Every skill, and the reverse maps from rule ids and question tags to skills."""

    def __init__(self, skills: Iterable[Skill], groups: Mapping[str, Mapping[Language, str]]):
        self._skills: dict[str, Skill] = {}
        for skill in skills:
            if skill.id in self._skills:
                raise CatalogueError(f"duplicate skill id {skill.id!r}")
            if skill.group not in groups:
                raise CatalogueError(f"skill {skill.id!r} names unknown group {skill.group!r}")
            self._skills[skill.id] = skill
        self._groups = {g: dict(names) for g, names in groups.items()}
        self._by_rule: dict[str, tuple[str, ...]] = {}
        self._by_tag: dict[str, tuple[str, ...]] = {}
        for skill in self._skills.values():
            for rule in skill.rules:
                self._by_rule[rule] = (*self._by_rule.get(rule, ()), skill.id)
            for tag in skill.tags:
                self._by_tag[tag] = (*self._by_tag.get(tag, ()), skill.id)

    @classmethod
    def load(cls, prompts_root: Path) -> SkillCatalogue:
        """Read and validate ``<prompts_root>/skills/catalogue.yaml``."""
        folder = Path(prompts_root) / SKILLS_DIR
        data = read_validated(folder / CATALOGUE_FILE, folder / SCHEMA_FILE)
        groups = {
            str(g): {Language(k): str(v) for k, v in names.items()}
            for g, names in data["groups"].items()
        }
        skills = [_skill(entry) for entry in data["skills"]]
        catalogue = cls(skills, groups)
        log.info("Loaded %d skills in %d groups", len(catalogue), len(groups))
        return catalogue

    def __len__(self) -> int:
        """Return the number of skills."""
        return len(self._skills)

    def __iter__(self) -> Iterator[Skill]:
        """Iterate over the skills in catalogue order."""
        return iter(self._skills.values())

    def __contains__(self, skill_id: object) -> bool:
        """Tell whether a skill id exists."""
        return skill_id in self._skills

    def get(self, skill_id: str) -> Skill | None:
        """Return a skill by id, or None (a retired id in stored progress)."""
        return self._skills.get(skill_id)

    def group_name(self, group: str, language: Language) -> str:
        """Return a group's name in ``language``."""
        names = self._groups.get(group, {})
        return names.get(language) or names.get(Language.EN) or group

    @property
    def groups(self) -> tuple[str, ...]:
        """Return the group ids in catalogue order."""
        return tuple(self._groups)

    def for_rule(self, rule_id: str) -> tuple[str, ...]:
        """Return the skills a rubric rule (or model checklist id) gives evidence about."""
        return self._by_rule.get(rule_id, ())

    def for_tag(self, tag: str) -> tuple[str, ...]:
        """Return the skills a question tag practises."""
        return self._by_tag.get(tag, ())

    def mapped_rules(self) -> frozenset[str]:
        """Return every rule id some skill maps."""
        return frozenset(self._by_rule)

    def mapped_tags(self) -> frozenset[str]:
        """Return every question tag some skill maps."""
        return frozenset(self._by_tag)

    def practised_by(self, question: Question) -> tuple[str, ...]:
        """Return the skills answering ``question`` practises (its tags, then its kind)."""
        found = [s for tag in question.skills for s in self.for_tag(tag)]
        found += [s.id for s in self._skills.values() if question.kind in s.kinds]
        return tuple(dict.fromkeys(found))


def _skill(entry: Mapping[str, Any]) -> Skill:
    return Skill(
        id=str(entry["id"]),
        group=str(entry["group"]),
        names={Language(k): str(v) for k, v in entry["name"].items()},
        descriptions={Language(k): str(v) for k, v in entry["description"].items()},
        dimension=entry.get("dimension"),
        rules=tuple(entry.get("rules", ())),
        tags=tuple(entry.get("tags", ())),
        kinds=tuple(Kind(k) for k in entry.get("kinds", ())),
        spoken_only=bool(entry.get("spoken_only", False)),
    )


def read_validated(path: Path, schema_path: Path) -> Any:
    """Return a YAML data file checked against its JSON schema, or raise CatalogueError."""
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot read: {exc}") from exc
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise CatalogueError(f"{path}: {where}: {first.message[:200]}")
    return data
