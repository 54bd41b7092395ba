"""The salary negotiation game: a recruiter with a hidden budget, and a debrief with evidence.

Domain only: no Discord, no SDK, no SQL. ``NegotiationService`` is what the entry points
call; ``ports`` names what adapters provide (the store, the model's voice, the clock, the
skill graph).
"""

from bot.negotiation.models import (
    Debrief,
    Dimension,
    Finding,
    HistoryRow,
    Negotiation,
    Offer,
    Outcome,
    Pattern,
    RecruiterState,
    Setup,
    Speaker,
    Status,
    Style,
    Tip,
    Turn,
)
from bot.negotiation.money import Currency, CurrencyTable, default_currencies, format_amount
from bot.negotiation.service import (
    Delivery,
    Ended,
    Inbound,
    NegotiationRunning,
    NegotiationService,
    NoNegotiation,
    Reply,
    Started,
)
from bot.negotiation.setup import NegotiationInputError, Typed

__all__ = [
    "Currency",
    "CurrencyTable",
    "Debrief",
    "Delivery",
    "Dimension",
    "Ended",
    "Finding",
    "HistoryRow",
    "Inbound",
    "Negotiation",
    "NegotiationInputError",
    "NegotiationRunning",
    "NegotiationService",
    "NoNegotiation",
    "Offer",
    "Outcome",
    "Pattern",
    "RecruiterState",
    "Reply",
    "Setup",
    "Speaker",
    "Started",
    "Status",
    "Style",
    "Tip",
    "Turn",
    "Typed",
    "default_currencies",
    "format_amount",
]
