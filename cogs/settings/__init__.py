"""`/settings` and `/questions`: a server's settings and its own questions (moderators)."""

from cogs.settings.cog import SettingsCog
from cogs.settings.questions import QuestionsCog

__all__ = ["QuestionsCog", "SettingsCog"]
