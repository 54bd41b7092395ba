"""Words for the story bank, shared by Discord and the terminal (from bot/copy)."""

from __future__ import annotations

import logging

from bot.catalog import Language
from bot.copy import text
from bot.stories.competencies import CompetencySet
from bot.stories.models import Story
from bot.stories.service import StoryBank

log = logging.getLogger(__name__)


def uses_text(story: Story, language: Language) -> str:
    """Return "told 3 times"."""
    form = "one" if story.uses == 1 else "other"
    return text(f"stories.uses.{form}", language, count=story.uses)


def competency_names(story: Story, competencies: CompetencySet, language: Language) -> str:
    """Return the story's competencies by name, or "no competency yet"."""
    if not story.competencies:
        return text("stories.no_competency", language)
    return ", ".join(competencies.name(c, language) for c in story.competencies)


def coverage_lines(bank: StoryBank) -> list[str]:
    """Return the covered competencies with their stories, then the gaps."""
    lang = bank.language
    lines = [
        text(
            "stories.covered",
            lang,
            name=bank.competencies.name(c, lang),
            ids=", ".join(f"#{i}" for i in ids),
        )
        for c, ids in bank.coverage.items()
        if ids
    ]
    if bank.missing:
        names = ", ".join(bank.competencies.name(c, lang) for c in bank.missing)
        lines.append(text("stories.missing", lang, names=names))
    else:
        lines.append(text("stories.all_covered", lang))
    return lines


def overused_lines(bank: StoryBank) -> list[str]:
    """Return one warning line per overused story."""
    lang = bank.language
    by_id = {s.id: s for s in bank.stories}
    return [
        text("stories.overused_line", lang, id=i, title=by_id[i].title, count=bank.recent.get(i, 0))
        for i in bank.overused
        if i in by_id
    ]
