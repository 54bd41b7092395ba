"""The `/interview` command group."""

from cogs.interview.cog import InterviewCog

__all__ = ["InterviewCog"]
