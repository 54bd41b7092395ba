"""`/help`, the welcome in a server's system channel, and the answer to stale buttons."""

from cogs.help.cog import HelpCog

__all__ = ["HelpCog"]
