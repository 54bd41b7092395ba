"""Progress domain: the skill graph, spaced-repetition drills and memory across sessions."""

from bot.progress.catalogue import CatalogueError, Skill, SkillCatalogue
from bot.progress.drills import DrillPlan, DrillService, DrillStarted, plan_drill
from bot.progress.memory import AnswerRef, Habit
from bot.progress.ports import (
    ChartRenderer,
    ChartSkill,
    CoverageSummary,
    HabitSource,
    PracticeSummary,
    ProgressChart,
    ProgressStore,
    SessionScore,
    StoryCoverage,
)
from bot.progress.report import ProgressReport, SkillView
from bot.progress.service import ProgressService

__all__ = [
    "AnswerRef",
    "CatalogueError",
    "ChartRenderer",
    "ChartSkill",
    "CoverageSummary",
    "DrillPlan",
    "DrillService",
    "DrillStarted",
    "Habit",
    "HabitSource",
    "PracticeSummary",
    "ProgressChart",
    "ProgressReport",
    "ProgressService",
    "ProgressStore",
    "SessionScore",
    "Skill",
    "SkillCatalogue",
    "SkillView",
    "StoryCoverage",
    "plan_drill",
]
