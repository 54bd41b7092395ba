"""`/stories`: the STAR story bank, its coverage, overuse, rename, merge and delete."""

from cogs.stories.cog import StoriesCog

__all__ = ["StoriesCog"]
