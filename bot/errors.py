"""Errors whose message is safe to show to a user, in the user's language."""

from __future__ import annotations

from typing import Any

from bot.catalog import Language
from bot.copy import text


class CoachError(Exception):
    """Base error carrying a friendly, user-safe message.

    Raise it with a copy key (``CoachError(key="interview.none_running")``) so the message
    reaches the user in their language: the session's when the raiser knows it, else the one
    the entry point knows (the Discord client's locale). A plain message is shown as given.
    """

    def __init__(
        self,
        user_message: str | None = None,
        *,
        key: str | None = None,
        language: Language | None = None,
        **params: Any,
    ) -> None:
        self.key = key
        self.language = language
        self.params = params
        self._message = user_message
        super().__init__(self.user_message)

    @property
    def user_message(self) -> str:
        """Return the message in the language the error was raised for (else English)."""
        return self.message_in(self.language or Language.EN)

    def message_in(self, language: Language) -> str:
        """Return the message in ``language`` (a plain message stays as it is)."""
        if self.key is not None:
            return text(self.key, language, **self.params)
        return self._message or ""


class ConfigError(CoachError):
    """The bot is not configured well enough to start."""


class SessionNotFound(CoachError):
    """There is no session where the user expected one."""


class SessionAlreadyActive(CoachError):
    """The user already has an active session in this server (``running`` is it)."""

    def __init__(
        self,
        user_message: str | None = None,
        session_id: int = 0,
        *,
        key: str | None = None,
        language: Language | None = None,
        running: Any = None,
        **params: Any,
    ) -> None:
        super().__init__(user_message, key=key, language=language, **params)
        self.session_id = session_id
        self.running = running


class InvalidAnswer(CoachError):
    """The answer cannot be graded (empty, for example)."""


class AnswerBusy(CoachError):
    """An answer arrived while the previous one of the same interview is being graded."""
