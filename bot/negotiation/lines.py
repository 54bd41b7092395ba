"""The offline recruiter's words: each move written from templates in the copy catalogue.

A line part ``concede`` is written from ``negotiation.recruiter.concede.<style>.<variant>``
(or ``.any.<variant>`` when the style has none of its own); the seeded random source picks
the variant, so the same seed writes the same conversation.
"""

from __future__ import annotations

import logging
import random
from typing import Final

from bot.catalog import Language
from bot.copy import catalogue, text
from bot.negotiation.models import Setup
from bot.negotiation.money import Currency, format_amount
from bot.negotiation.particles import attach
from bot.negotiation.policy import Move

log = logging.getLogger(__name__)

VARIANTS: Final = "abcd"
# Parts that put a (new) base on the table: a voiced line must state it.
STATES_OFFER: Final = frozenset(
    {
        "opening",
        "opening_bonus",
        "opening_equity",
        "opening_bonus_equity",
        "concede",
        "concede_reason",
        "concede_far",
        "concede_over",
        "concede_reason_over",
        "meet",
        "best_and_final",
        "final_offer",
    }
)


def templates(key: str, style: str) -> list[str]:
    """Return the catalogue keys a line part may be written from."""
    cat = catalogue()
    for group in (style, "any"):
        found = [
            f"negotiation.recruiter.{key}.{group}.{v}"
            for v in VARIANTS
            if cat.has(f"negotiation.recruiter.{key}.{group}.{v}")
        ]
        if found:
            return found
    raise KeyError(f"no recruiter line for {key!r}")


def write_move(move: Move, setup: Setup, currency: Currency, rng: random.Random) -> str:
    """Return the recruiter's line for a move, in the negotiation's language."""
    lang = setup.language
    pieces = []
    for part in move.parts:
        key = rng.choice(templates(part.key, setup.style.value))
        values = {name: format_amount(v, currency, lang) for name, v in part.amounts.items()}
        pieces.append(text(key, lang, role=setup.role, **values))
    line = " ".join(pieces)
    # Korean particles after an amount depend on how it is read ("원을", "달러를").
    return attach(line) if lang is Language.KO else line


def states_offer(move: Move) -> bool:
    """Tell whether the move puts a base on the table that the line must state."""
    return any(p.key in STATES_OFFER for p in move.parts)
