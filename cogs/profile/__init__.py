"""`/profile`: the resume and target job behind personalised interviews."""

from cogs.profile.cog import ProfileCog

__all__ = ["ProfileCog"]
