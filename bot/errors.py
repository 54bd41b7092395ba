"""Errors whose message is safe to show to a user."""

from __future__ import annotations


class CoachError(Exception):
    """Base error carrying a friendly, user-safe message."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class ConfigError(CoachError):
    """The bot is not configured well enough to start."""


class SessionNotFound(CoachError):
    """There is no session where the user expected one."""


class SessionAlreadyActive(CoachError):
    """The user already has an active session in this server."""

    def __init__(self, user_message: str, session_id: int) -> None:
        super().__init__(user_message)
        self.session_id = session_id


class InvalidAnswer(CoachError):
    """The answer cannot be graded (empty, for example)."""
