"""Shared helpers for the negotiation tests: a service on fakes and scripted conversations."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog import Language
from bot.negotiation import (
    Debrief,
    NegotiationService,
    Reply,
    Typed,
    default_currencies,
)
from bot.negotiation.ports import RecruiterVoice, SkillFeed
from tests.fakes.clock import FixedClock
from tests.fakes.negotiation import InMemoryNegotiationStore

log = logging.getLogger(__name__)

USER = 42
GUILD = 500


def typed(**overrides: object) -> Typed:
    """Return valid options (120k USD offer, 140k target) with ``overrides``."""
    values: dict[str, object] = {
        "role": "Backend engineer",
        "offer": "120k",
        "target": "140k",
        "currency": "USD",
        "style": "friendly",
        "language": Language.EN,
    }
    values.update(overrides)
    return Typed(**values)  # type: ignore[arg-type]


def service(
    store: InMemoryNegotiationStore | None = None,
    voice: RecruiterVoice | None = None,
    skills: SkillFeed | None = None,
) -> NegotiationService:
    """Return the service on in-memory fakes."""
    return NegotiationService(
        store or InMemoryNegotiationStore(),
        default_currencies(),
        voice=voice,
        clock=FixedClock(),
        skills=skills,
    )


@dataclass
class Played:
    """A conversation played to its end (stopped when the messages ran out)."""

    replies: list[Reply]
    debrief: Debrief
    budget: int
    opening: str


async def play(
    messages: Sequence[str],
    *,
    seed: int = 1,
    svc: NegotiationService | None = None,
    user: int = USER,
    **options: object,
) -> Played:
    """Start a negotiation, send ``messages`` until it ends, stop it if it has not."""
    svc = svc or service()
    started = await svc.start(typed(**options), user, GUILD, seed=seed)
    negotiation_id = started.negotiation.id
    assert negotiation_id is not None
    replies: list[Reply] = []
    for message in messages:
        reply = await svc.reply(negotiation_id, message)
        replies.append(reply)
        if reply.debrief is not None:
            return Played(replies, reply.debrief, started.negotiation.budget, started.line)
    ended = await svc.stop_negotiation(negotiation_id)
    return Played(replies, ended.debrief, started.negotiation.budget, started.line)
