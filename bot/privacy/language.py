"""Which language `/privacy` answers a user in.

The rule: the language of the user's most recent session (text or voice) when one is
stored, since that is the language they chose to practise in; otherwise Korean when their
Discord client's locale starts with "ko"; otherwise English.
"""

from __future__ import annotations

import logging

from bot.catalog import Language

log = logging.getLogger(__name__)


def choose_language(latest_session: str | None, locale: str | None) -> Language:
    """Return the reply language from the latest session's language and the client locale."""
    if latest_session:
        try:
            return Language(latest_session)
        except ValueError:
            log.debug("Unknown stored session language %r", latest_session)
    if locale and locale.lower().startswith("ko"):
        return Language.KO
    return Language.EN
