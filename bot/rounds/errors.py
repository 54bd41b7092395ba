"""The round's refusals: a copy key under ``rounds.errors``, in the round's language."""

from __future__ import annotations

import logging
from typing import Any

from bot.catalog import Language
from bot.errors import CoachError

log = logging.getLogger(__name__)


class RoundError(CoachError):
    """A round action that cannot be done; ``user_message`` is in the round's language."""

    def __init__(self, reason: str, language: Language = Language.EN, **params: Any) -> None:
        super().__init__(key=f"rounds.errors.{reason}", language=language, **params)
        # The short name (``host_only``) tells tests and logs which refusal it was.
        self.reason = reason
