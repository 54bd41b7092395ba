"""Stories domain: the STAR story bank, its coverage of competencies, overuse."""

from bot.stories.competencies import CompetencySet
from bot.stories.models import Competency, Story, StoryDraft, Telling
from bot.stories.ports import StoryStore
from bot.stories.reading import StoryReader
from bot.stories.service import StoryBank, StoryChange, StoryService

__all__ = [
    "Competency",
    "CompetencySet",
    "Story",
    "StoryBank",
    "StoryChange",
    "StoryDraft",
    "StoryReader",
    "StoryService",
    "StoryStore",
    "Telling",
]
