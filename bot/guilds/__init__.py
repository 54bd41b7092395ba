"""Per-server things moderators manage: settings, and the server's own question set.

Plain Python: the settings and questions are kept through the ``SettingsStore`` and
``ServerQuestionStore`` ports (SQLite in ``storage/``), read through in-memory caches so a
command check or a question lookup never waits on the database.
"""

from bot.guilds.questions import ImportResult, QuestionFileError, ServerQuestions
from bot.guilds.settings import (
    BotDefaults,
    GuildSettings,
    GuildSettingsService,
    SettingsError,
    SettingsStore,
)

__all__ = [
    "BotDefaults",
    "GuildSettings",
    "GuildSettingsService",
    "ImportResult",
    "QuestionFileError",
    "ServerQuestions",
    "SettingsError",
    "SettingsStore",
]
