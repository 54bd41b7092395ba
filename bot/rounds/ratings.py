"""Peer ratings: who may rate which answer, and what they are told."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.catalog import Language
from bot.copy import text
from bot.rounds.errors import RoundError
from bot.rounds.model import Rating, Round
from bot.rounds.ports import Clock, RoundStore
from bot.rounds.summary import AnswerRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RatingResult:
    """A stored rating: what it is, whether it replaced the rater's earlier one."""

    rating: Rating
    changed: bool
    language: Language

    def reply(self) -> str:
        """Return what to tell the rater, in the round's language."""
        name = text(f"rounds.ratings.names.{self.rating.value}", self.language)
        key = "rounds.replies.rating_changed" if self.changed else "rounds.replies.rated"
        return text(key, self.language, rating=name)


def check_rating(answer: AnswerRecord, round_: Round | None, rater_id: int) -> None:
    """Refuse a self-rating and a rating by anyone who did not consent to the round."""
    language = round_.language if round_ is not None else Language.EN
    if answer.user_id == rater_id:
        raise RoundError("own_answer", language)
    if round_ is None or not round_.has_consented(rater_id):
        raise RoundError("rate_needs_consent", language)


async def rate_answer(
    store: RoundStore,
    clock: Clock,
    answer_id: int,
    rater_id: int,
    rating: Rating,
    *,
    live_round: Callable[[int], Round | None],
    language: Language = Language.EN,
) -> RatingResult:
    """Store a peer's rating of an answer (one vote each, changeable).

    ``live_round`` finds a running round by id (its consents are the freshest); ``language``
    is used only when the answer is gone and no round tells which language to use.
    """
    answer = await store.get_answer(answer_id)
    if answer is None:
        raise RoundError("answer_gone", language)
    round_ = live_round(answer.round_id) or await store.get_round(answer.round_id)
    check_rating(answer, round_, rater_id)
    assert round_ is not None
    changed = await store.rate(answer_id, rater_id, rating, clock.now())
    return RatingResult(rating, changed, round_.language)
