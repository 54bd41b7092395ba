"""Per-user cooldowns on the expensive commands: starting an interview, joining voice, reports.

Each command names a bucket ("interview", "voice", "report"...); a bucket's cooldown comes
from settings (0 turns it off). A use is charged when the command starts and refunded when
it fails or does nothing costly (an interview already running, nobody in voice), so only
real starts count. The refusal says when to try again, in the user's language, through the
global error handler (a ``CoachError``). The clock is injected so tests use a fake one.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from bot.catalog import Language
from bot.errors import CoachError

log = logging.getLogger(__name__)

INTERVIEW = "interview"
VOICE = "voice"
REPORT = "report"

Clock = Callable[[], float]
# Forget users whose cooldown ran out once this many are remembered.
_PRUNE_ABOVE = 1024


class Cooldowns:
    """Remember when each user last started something costly, per bucket."""

    def __init__(self, seconds: Mapping[str, float], clock: Clock = time.monotonic) -> None:
        self._seconds = {bucket: max(0.0, float(s)) for bucket, s in seconds.items()}
        self._clock = clock
        self._last: dict[tuple[str, int], float] = {}

    def remaining(self, user_id: int, bucket: str) -> float:
        """Return the seconds the user must still wait before using ``bucket`` (0: none)."""
        last = self._last.get((bucket, user_id))
        if last is None:
            return 0.0
        return max(0.0, last + self._seconds.get(bucket, 0.0) - self._clock())

    @contextmanager
    def charged(self, user_id: int, bucket: str, language: Language) -> Iterator[Charge]:
        """Charge one use for the block, refunded if it raises; refuse while cooling down."""
        wait = self.remaining(user_id, bucket)
        if wait > 0:
            log.info("User %s is cooling down on %s for %.1f s", user_id, bucket, wait)
            raise CoachError(key="common.cooldown", language=language, seconds=math.ceil(wait))
        key = (bucket, user_id)
        charge = Charge(self, key, self._last.get(key))
        if self._seconds.get(bucket, 0.0) > 0:
            self._last[key] = self._clock()
            self._prune()
        try:
            yield charge
        except BaseException:
            charge.refund()
            raise

    def _restore(self, key: tuple[str, int], previous: float | None) -> None:
        if previous is None:
            self._last.pop(key, None)
        else:
            self._last[key] = previous

    def _prune(self) -> None:
        if len(self._last) <= _PRUNE_ABOVE:
            return
        now = self._clock()
        self._last = {
            key: at for key, at in self._last.items() if at + self._seconds.get(key[0], 0.0) > now
        }


@dataclass(slots=True)
class Charge:
    """One charged use; ``refund`` gives it back (the command did nothing costly)."""

    cooldowns: Cooldowns
    key: tuple[str, int]
    previous: float | None
    refunded: bool = False

    def refund(self) -> None:
        """Give the use back, as if the command had not run."""
        if not self.refunded:
            self.refunded = True
            self.cooldowns._restore(self.key, self.previous)


NO_COOLDOWNS = Cooldowns({})
