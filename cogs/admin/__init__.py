"""The `/admin` command group: per-server model keys and model status."""

from cogs.admin._notice import UnreadableKeysNotice
from cogs.admin.cog import AdminCog

__all__ = ["AdminCog", "UnreadableKeysNotice"]
