"""The offline recruiter: a hidden budget and a stance that moves with what the candidate does.

The rules (the README's "Salary negotiation" section says the same):

1. **Budget.** The recruiter may go up to a hidden maximum base salary drawn uniformly
   between 5% and 20% above the base offer (``BUDGET_ABOVE``), rounded down to the
   currency's step and at least one step above the offer. It never offers more.
2. **A number earns a concession; a vague ask earns none.** An ask with a number above the
   offer moves the recruiter by a share of the room left under the budget. The share starts
   from the style (friendly 45%, firm 30%, busy 35%), gains 15 points for each new kind of
   reason (impact, market data, an alternative, scope), 10 when the first number is at or
   above the budget (a high first anchor pulls) and 10 for a trade offered in return; it is
   halved for a number with no reason at all and for a number more than 50% above the
   offer (an extreme anchor loses credibility); each stance point adds 5 and each earlier
   concession shrinks it by a quarter. A small seeded jitter (±4 points) keeps it human.
   "Can you do better?" without a number gets "what number did you have in mind?".
3. **Stance.** Reasons and courtesy warm the recruiter (+1); heat cools it (-1), an insult
   more (-2), and a second vague ask too (-1). An insult earns no concession and an
   in-character answer; the third ends the conversation.
4. **Endings.** Accepting ends it at the offer on the table, early or not. Walking away with
   room left draws one "best and final" offer (60% of the room) when a reason or an
   alternative was given; otherwise, or after the final offer, it ends without a deal.
   After the style's number of messages (friendly and firm 8, busy 5) the recruiter makes
   its final offer, and two messages later asks for a decision by email and ends.
5. **Trades.** Asking about the rest of the package (sign-on bonus, equity, start date) when
   base has no room left earns a one-off sign-on bonus of 5% of base.
6. **The budget is never said**, whatever is asked: an attempt to extract it gets an
   in-character deflection (and the number in the same message, if any, is answered).
7. **No bluff about the limit.** The recruiter says it cannot reach a number ("I can't get
   to {ask}", "far outside our range", "as high as we go") only when that number is above
   its budget; a counter to an ask within the budget just states the new offer, and a
   final offer below the budget is called final (a decision it keeps), never "the most I
   can do". The debrief then reveals how far it could have gone.

The policy is deterministic: the same state, message and seed give the same move.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from bot.negotiation.models import Outcome, RecruiterState, Setup, Style
from bot.negotiation.money import Currency
from bot.negotiation.signals import Cue, Reading

log = logging.getLogger(__name__)

BUDGET_ABOVE: Final = (0.05, 0.20)
BASE_SHARE: Final[Mapping[Style, float]] = {
    Style.FRIENDLY: 0.45,
    Style.FIRM: 0.30,
    Style.BUSY: 0.35,
}
TURN_LIMIT: Final[Mapping[Style, int]] = {Style.FRIENDLY: 8, Style.FIRM: 8, Style.BUSY: 5}
REASON_BONUS: Final = 0.15
REASON_BONUS_MAX: Final = 0.30
HIGH_ANCHOR_BONUS: Final = 0.10
TRADE_BONUS: Final = 0.10
STANCE_STEP: Final = 0.05
CONCESSION_DECAY: Final = 0.75
EXTREME_ANCHOR: Final = 1.5
JITTER: Final = 0.04
FINAL_SHARE: Final = 0.6
SIGN_ON_SHARE: Final = 0.05
INSULTS_TO_END: Final = 3
STANCE_RANGE: Final = (-3, 3)
# When what is left between the ask and the new offer is this small, the recruiter meets it.
CLOSE_GAP: Final = 0.02


def draw_budget(base: int, currency: Currency, rng: random.Random) -> int:
    """Return a hidden budget uniformly 5-20% above ``base``, at least one step above it."""
    share = rng.uniform(*BUDGET_ABOVE)
    budget = currency.round_down(base * (1 + share))
    return max(budget, currency.round_down(base) + currency.step)


@dataclass(frozen=True, slots=True)
class LinePart:
    """One piece of a recruiter line: a copy key under ``negotiation.recruiter`` and values.

    ``amounts`` are raw amounts, formatted in the negotiation's currency and language when
    the line is written.
    """

    key: str
    amounts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Move:
    """What the recruiter does in answer to one message."""

    parts: tuple[LinePart, ...]
    conceded: int = 0

    @property
    def kinds(self) -> list[str]:
        """Return the line keys, in order."""
        return [p.key for p in self.parts]


def opening(setup: Setup, budget: int) -> tuple[RecruiterState, Move]:
    """Return the recruiter's first state and its opening line (the offer)."""
    offer = setup.offer
    amounts = {"offer": offer.base}
    key = "opening"
    if offer.bonus:
        amounts["bonus"] = offer.bonus
        key = "opening_bonus"
    if offer.equity:
        amounts["equity"] = offer.equity
        key = "opening_bonus_equity" if offer.bonus else "opening_equity"
    stance = 1 if setup.style is Style.FRIENDLY else 0
    return RecruiterState(offer=offer.base, budget=budget, stance=stance), Move(
        (LinePart(key, amounts),)
    )


def _clamp_stance(value: int) -> int:
    low, high = STANCE_RANGE
    return max(low, min(high, value))


def respond(
    state: RecruiterState, reading: Reading, setup: Setup, currency: Currency, rng: random.Random
) -> tuple[RecruiterState, Move]:
    """Return the recruiter's next state and move after one candidate message."""
    if state.ended:
        return state, Move((LinePart("already_over", {"offer": state.offer}),))
    s = state.evolve(
        turns=state.turns + 1,
        reasons_said=state.reasons_said | {c.value for c in reading.reasons},
    )
    if reading.hostile:
        return _insulted(s)
    parts: list[LinePart] = []
    if reading.has(Cue.HEATED):
        s = s.evolve(stance=_clamp_stance(s.stance - 1), heat=s.heat + 1)
        parts.append(LinePart("acknowledge_heat"))
    elif reading.reasons or reading.has(Cue.COURTESY):
        s = s.evolve(stance=_clamp_stance(s.stance + 1))
    if reading.accepts:
        final = s.offer
        s = s.evolve(ended=True, outcome=Outcome.ACCEPTED, final_offer=final)
        return s, Move((*parts, LinePart("accepted", {"offer": final})))
    if reading.has(Cue.DECLINE) and reading.ask is None:
        return _walk_away(s, reading, parts, currency)
    if reading.has(Cue.EXTRACT):
        s = s.evolve(extraction_attempts=s.extraction_attempts + 1)
        parts.append(LinePart("deflect_budget" if reading.ask else "deflect_budget_ask"))
    conceded = 0
    if reading.ask is not None:
        s, part, conceded = _answer_ask(s, reading, setup, currency, rng)
        parts.append(part)
    elif reading.vague_ask and s.final_made:
        parts.append(LinePart("hold_final", {"offer": s.offer}))
    elif reading.vague_ask:
        vague = s.vague + 1
        stance = s.stance - 1 if vague >= 2 else s.stance
        s = s.evolve(vague=vague, stance=_clamp_stance(stance))
        parts.append(LinePart("hold_vague" if vague == 1 else "hold_vague_again"))
    elif reading.has(Cue.LEVERS) or reading.has(Cue.TRADE):
        s, part = _package(s, currency)
        parts.append(part)
    elif reading.reasons and not reading.has(Cue.EXTRACT):
        parts.append(LinePart("ask_number"))
    elif not parts:
        parts.append(LinePart("nudge", {"offer": s.offer}))
    if s.ended:
        return s, Move(tuple(parts), conceded)
    return _clock(s, parts, conceded, setup, currency)


def _insulted(s: RecruiterState) -> tuple[RecruiterState, Move]:
    insults = s.insults + 1
    s = s.evolve(insults=insults, stance=_clamp_stance(s.stance - 2))
    if insults >= INSULTS_TO_END:
        s = s.evolve(ended=True, outcome=Outcome.RECRUITER_ENDED, final_offer=None)
        return s, Move((LinePart("end_hostile"),))
    return s, Move((LinePart("calm" if insults == 1 else "calm_warning"),))


def _walk_away(
    s: RecruiterState, reading: Reading, parts: list[LinePart], currency: Currency
) -> tuple[RecruiterState, Move]:
    credible = bool(s.reasons_said) or reading.has(Cue.ALTERNATIVE)
    if not s.final_made and s.room >= currency.step and credible:
        give = max(currency.step, currency.round_down(s.room * FINAL_SHARE))
        new = min(s.budget, s.offer + give)
        conceded = new - s.offer
        s = s.evolve(offer=new, final_made=True, concessions=s.concessions + 1)
        return s, Move((*parts, LinePart("best_and_final", {"offer": new})), conceded)
    s = s.evolve(ended=True, outcome=Outcome.DECLINED, final_offer=None)
    return s, Move((*parts, LinePart("declined", {"offer": s.offer})))


def _answer_ask(
    s: RecruiterState, reading: Reading, setup: Setup, currency: Currency, rng: random.Random
) -> tuple[RecruiterState, LinePart, int]:
    """Answer a number: meet it, concede part of the way, or hold."""
    ask = reading.ask
    assert ask is not None
    first_ask = not s.asks
    s = s.evolve(asks=(*s.asks, ask))
    if ask <= s.offer:
        # Asking for what is already on the table (or less) closes at the table.
        s = s.evolve(ended=True, outcome=Outcome.ACCEPTED, final_offer=s.offer)
        return s, LinePart("below_offer", {"offer": s.offer, "ask": ask}), 0
    if s.final_made:
        return s, LinePart("hold_final", {"offer": s.offer}), 0
    if s.room < currency.step:
        if reading.has(Cue.LEVERS) or reading.has(Cue.TRADE):
            s, part = _package(s, currency)
            return s, part, 0
        return s, LinePart("at_top", {"offer": s.offer}), 0
    new_reasons = (s.reasons_said | {c.value for c in reading.reasons}) - s.reasons_credited
    share = BASE_SHARE[setup.style]
    if new_reasons:
        share += min(REASON_BONUS_MAX, REASON_BONUS * len(new_reasons))
    elif not s.reasons_credited and not reading.has(Cue.BECAUSE):
        share *= 0.5  # a bare number with no reason behind it
    if first_ask and ask >= s.budget:
        share += HIGH_ANCHOR_BONUS
    if reading.has(Cue.TRADE):
        share += TRADE_BONUS
    share += STANCE_STEP * s.stance
    share *= CONCESSION_DECAY**s.concessions
    extreme = ask > setup.offer.base * EXTREME_ANCHOR
    if extreme:
        share *= 0.5
    share += rng.uniform(-JITTER, JITTER)
    share = max(0.05, min(0.9, share))
    give = max(currency.step, currency.round_down(s.room * share))
    new = min(s.offer + give, ask, s.budget)
    met = ask <= s.budget and ask - new <= max(currency.step, round(s.offer * CLOSE_GAP))
    if met:
        new = ask
    conceded = new - s.offer
    s = s.evolve(
        offer=new,
        concessions=s.concessions + 1,
        reasons_credited=s.reasons_credited | new_reasons,
    )
    if met:
        return s, LinePart("meet", {"offer": new, "ask": ask}), conceded
    # The line may say "I can't get to {ask}" only when that is true (rule 7).
    over = ask > s.budget
    if extreme and over:
        key = "concede_far"
    elif new_reasons:
        key = "concede_reason_over" if over else "concede_reason"
    else:
        key = "concede_over" if over else "concede"
    return s, LinePart(key, {"offer": new, "ask": ask}), conceded


def _package(s: RecruiterState, currency: Currency) -> tuple[RecruiterState, LinePart]:
    """Answer a question about the rest of the package (or a trade)."""
    if s.room < currency.step and not s.sign_on:
        bonus = max(currency.step, currency.round_near(s.offer * SIGN_ON_SHARE))
        s = s.evolve(sign_on=bonus, stance=_clamp_stance(s.stance + 1))
        return s, LinePart("sign_on", {"offer": s.offer, "sign_on": bonus})
    if s.sign_on:
        return s, LinePart("package_done", {"offer": s.offer, "sign_on": s.sign_on})
    return s, LinePart("package_base_first", {"offer": s.offer})


def _clock(
    s: RecruiterState,
    parts: list[LinePart],
    conceded: int,
    setup: Setup,
    currency: Currency,
) -> tuple[RecruiterState, Move]:
    """Make the final offer at the style's limit and ask for a decision two messages later."""
    limit = TURN_LIMIT[setup.style]
    if s.turns >= limit + 2 and s.final_made:
        s = s.evolve(ended=True, outcome=Outcome.NO_DECISION, final_offer=None)
        return s, Move((*parts, LinePart("decision_by_email", {"offer": s.offer})), conceded)
    if s.turns >= limit and not s.final_made:
        s = s.evolve(final_made=True)
        return s, Move((*parts, LinePart("final_offer", {"offer": s.offer})), conceded)
    return s, Move(tuple(parts), conceded)
