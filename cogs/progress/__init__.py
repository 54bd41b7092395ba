"""`/progress` and `/drill`: the skill graph, drills due, story coverage, practice streak."""

from cogs.progress.cog import ProgressCog

__all__ = ["ProgressCog"]
