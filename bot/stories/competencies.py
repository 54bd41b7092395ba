"""The competency set stories are mapped to (data in prompts/stories/competencies.yaml)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from bot.catalog import Language
from bot.progress.catalogue import CatalogueError, read_validated
from bot.stories.models import Competency

log = logging.getLogger(__name__)

STORIES_DIR = "stories"
COMPETENCIES_FILE = "competencies.yaml"
SCHEMA_FILE = "schema.json"


class CompetencySet:
    """Every competency, in order, and which ones a question tag asks for."""

    def __init__(self, competencies: list[Competency]) -> None:
        self._items = {c.id: c for c in competencies}
        if len(self._items) != len(competencies):
            raise CatalogueError("duplicate competency id")
        self._by_tag: dict[str, tuple[str, ...]] = {}
        for c in competencies:
            for tag in c.tags:
                self._by_tag[tag] = (*self._by_tag.get(tag, ()), c.id)

    @classmethod
    def load(cls, prompts_root: Path) -> CompetencySet:
        """Read and validate ``<prompts_root>/stories/competencies.yaml``."""
        folder = Path(prompts_root) / STORIES_DIR
        data = read_validated(folder / COMPETENCIES_FILE, folder / SCHEMA_FILE)
        items = [
            Competency(
                id=str(entry["id"]),
                names={Language(k): str(v) for k, v in entry["name"].items()},
                descriptions={Language(k): str(v) for k, v in entry["description"].items()},
                tags=tuple(entry["tags"]),
                cues={
                    Language(k): tuple(str(w).casefold() for w in v)
                    for k, v in entry["cues"].items()
                },
            )
            for entry in data["competencies"]
        ]
        log.info("Loaded %d competencies", len(items))
        return cls(items)

    def __iter__(self) -> Iterator[Competency]:
        """Iterate in file order."""
        return iter(self._items.values())

    def __len__(self) -> int:
        """Return the number of competencies."""
        return len(self._items)

    def get(self, competency_id: str) -> Competency | None:
        """Return a competency by id, or None."""
        return self._items.get(competency_id)

    def for_tag(self, tag: str) -> tuple[str, ...]:
        """Return the competencies a question tag asks for."""
        return self._by_tag.get(tag, ())

    def name(self, competency_id: str, language: Language) -> str:
        """Return a competency's name (its id when it was retired)."""
        found = self._items.get(competency_id)
        return found.name(language) if found is not None else competency_id
