"""The `/privacy` command group: export or delete everything stored about you."""

from cogs.privacy.cog import PrivacyCog

__all__ = ["PrivacyCog"]
