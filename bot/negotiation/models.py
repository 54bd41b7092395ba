"""Value types of the negotiation game: the setup, turns, the recruiter's state, the debrief.

Everything here is plain data with ``to_dict``/``from_dict`` where it is stored, so the
debrief can be rendered by Discord, the terminal and (later) the PDF report alike.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.catalog import Language, Level

log = logging.getLogger(__name__)


class Style(enum.StrEnum):
    """How the recruiter plays."""

    FRIENDLY = "friendly"
    FIRM = "firm"
    BUSY = "busy"


class Speaker(enum.StrEnum):
    """Who said a line."""

    RECRUITER = "recruiter"
    CANDIDATE = "candidate"


class Status(enum.StrEnum):
    """Where a negotiation stands."""

    ACTIVE = "active"
    FINISHED = "finished"
    STOPPED = "stopped"


class Outcome(enum.StrEnum):
    """How a negotiation ended."""

    ACCEPTED = "accepted"  # the candidate took the offer on the table
    DECLINED = "declined"  # the candidate walked away
    RECRUITER_ENDED = "recruiter_ended"  # the recruiter ended it (repeated insults)
    NO_DECISION = "no_decision"  # the recruiter ran out of time waiting for a decision
    STOPPED = "stopped"  # the candidate stopped it (/negotiate stop, end of input)


class Dimension(enum.StrEnum):
    """What the debrief scores."""

    ANCHORING = "anchoring"
    VALUE_ARTICULATION = "value_articulation"
    COUNTER_STRATEGY = "counter_strategy"
    EMOTIONAL_CONTROL = "emotional_control"


@dataclass(frozen=True, slots=True)
class Offer:
    """The offer in hand: base salary, and an optional bonus and equity (per year)."""

    base: int
    bonus: int | None = None
    equity: int | None = None


@dataclass(frozen=True, slots=True)
class Setup:
    """What the candidate set up: the role, the offer, the target and the recruiter's style."""

    role: str
    currency: str
    offer: Offer
    target: int
    style: Style = Style.FRIENDLY
    language: Language = Language.EN
    level: Level | None = None
    location: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the setup as JSON-ready data."""
        return {
            "role": self.role,
            "currency": self.currency,
            "base": self.offer.base,
            "bonus": self.offer.bonus,
            "equity": self.offer.equity,
            "target": self.target,
            "style": self.style.value,
            "language": self.language.value,
            "level": self.level.value if self.level else None,
            "location": self.location,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Setup:
        """Rebuild a setup written by ``to_dict``."""
        return cls(
            role=str(data["role"]),
            currency=str(data["currency"]),
            offer=Offer(
                int(data["base"]), _opt_int(data.get("bonus")), _opt_int(data.get("equity"))
            ),
            target=int(data["target"]),
            style=Style(data.get("style", Style.FRIENDLY.value)),
            language=Language(data.get("language", Language.EN.value)),
            level=Level(data["level"]) if data.get("level") else None,
            location=data.get("location") or None,
        )


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class Turn:
    """One line of the conversation.

    ``offer`` is the base the recruiter has on the table after a recruiter line; ``source``
    says who wrote a recruiter line (``offline``, or ``model:<provider>``).
    """

    speaker: Speaker
    text: str
    offer: int | None = None
    spoken: bool = False
    source: str = ""
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RecruiterState:
    """The recruiter's side of the game after its last line (stored after every reply)."""

    offer: int
    budget: int
    stance: int = 0
    turns: int = 0
    concessions: int = 0
    asks: tuple[int, ...] = ()
    vague: int = 0
    insults: int = 0
    heat: int = 0
    reasons_said: frozenset[str] = frozenset()
    reasons_credited: frozenset[str] = frozenset()
    final_made: bool = False
    ended: bool = False
    outcome: Outcome | None = None
    final_offer: int | None = None
    sign_on: int = 0
    extraction_attempts: int = 0

    def evolve(self, **changes: Any) -> RecruiterState:
        """Return a copy with ``changes``."""
        return replace(self, **changes)

    @property
    def room(self) -> int:
        """Return what the budget still allows above the offer on the table."""
        return max(0, self.budget - self.offer)

    def to_dict(self) -> dict[str, Any]:
        """Return the state as JSON-ready data."""
        return {
            "offer": self.offer,
            "budget": self.budget,
            "stance": self.stance,
            "turns": self.turns,
            "concessions": self.concessions,
            "asks": list(self.asks),
            "vague": self.vague,
            "insults": self.insults,
            "heat": self.heat,
            "reasons_said": sorted(self.reasons_said),
            "reasons_credited": sorted(self.reasons_credited),
            "final_made": self.final_made,
            "ended": self.ended,
            "outcome": self.outcome.value if self.outcome else None,
            "final_offer": self.final_offer,
            "sign_on": self.sign_on,
            "extraction_attempts": self.extraction_attempts,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecruiterState:
        """Rebuild a state written by ``to_dict``."""
        return cls(
            offer=int(data["offer"]),
            budget=int(data["budget"]),
            stance=int(data.get("stance", 0)),
            turns=int(data.get("turns", 0)),
            concessions=int(data.get("concessions", 0)),
            asks=tuple(int(a) for a in data.get("asks", ())),
            vague=int(data.get("vague", 0)),
            insults=int(data.get("insults", 0)),
            heat=int(data.get("heat", 0)),
            reasons_said=frozenset(data.get("reasons_said", ())),
            reasons_credited=frozenset(data.get("reasons_credited", ())),
            final_made=bool(data.get("final_made", False)),
            ended=bool(data.get("ended", False)),
            outcome=Outcome(data["outcome"]) if data.get("outcome") else None,
            final_offer=_opt_int(data.get("final_offer")),
            sign_on=int(data.get("sign_on", 0)),
            extraction_attempts=int(data.get("extraction_attempts", 0)),
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the debrief says about a dimension, with the candidate's words when any.

    ``quote`` is an exact slice of one of the candidate's messages (None when the finding is
    about something the candidate never said); ``key`` names the explanation in the copy
    catalogue (``negotiation.findings.<key>``) and ``params`` fill it.
    """

    dimension: Dimension
    key: str
    quote: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    positive: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data."""
        return {
            "dimension": self.dimension.value,
            "key": self.key,
            "quote": self.quote,
            "params": dict(self.params),
            "positive": self.positive,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild a finding written by ``to_dict``."""
        return cls(
            Dimension(data["dimension"]),
            str(data["key"]),
            data.get("quote"),
            {str(k): str(v) for k, v in (data.get("params") or {}).items()},
            bool(data.get("positive", False)),
        )


@dataclass(frozen=True, slots=True)
class Tip:
    """A concrete tip grounded in published practice: its text key, filled, and its source."""

    id: str
    dimension: Dimension
    params: Mapping[str, str]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Return the tip as JSON-ready data."""
        return {
            "id": self.id,
            "dimension": self.dimension.value,
            "params": dict(self.params),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tip:
        """Rebuild a tip written by ``to_dict``."""
        return cls(
            str(data["id"]),
            Dimension(data["dimension"]),
            {str(k): str(v) for k, v in (data.get("params") or {}).items()},
            str(data.get("source", "")),
        )


@dataclass(frozen=True, slots=True)
class Pattern:
    """Something the candidate keeps doing across their last negotiations."""

    id: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Debrief:
    """The end of a negotiation: scores with evidence, the budget, tips and patterns.

    Plain data: Discord, the terminal and the PDF report render it; ``to_dict`` is what is
    stored. ``patterns`` are computed when the debrief is shown (they depend on the
    negotiations that came before), so they are not stored with it.
    """

    negotiation_id: int | None
    language: Language
    currency: str
    role: str
    offer: int
    target: int
    budget: int
    final_offer: int | None
    outcome: Outcome
    left_on_table: int
    scores: Mapping[Dimension, int]
    findings: tuple[Finding, ...]
    tips: tuple[Tip, ...]
    sign_on: int = 0
    patterns: tuple[Pattern, ...] = ()
    ended_at: datetime | None = None

    @property
    def evidence(self) -> list[tuple[Dimension, str]]:
        """Return each quote of the candidate's words once per dimension it is evidence for."""
        found: list[tuple[Dimension, str]] = []
        for f in self.findings:
            if f.quote and (f.dimension, f.quote) not in found:
                found.append((f.dimension, f.quote))
        return found

    @property
    def overall(self) -> int:
        """Return the mean of the four scores."""
        return round(sum(self.scores.values()) / max(1, len(self.scores)))

    def to_dict(self) -> dict[str, Any]:
        """Return the debrief as JSON-ready data (patterns excluded, see the class)."""
        return {
            "negotiation_id": self.negotiation_id,
            "language": self.language.value,
            "currency": self.currency,
            "role": self.role,
            "offer": self.offer,
            "target": self.target,
            "budget": self.budget,
            "final_offer": self.final_offer,
            "outcome": self.outcome.value,
            "left_on_table": self.left_on_table,
            "scores": {d.value: s for d, s in self.scores.items()},
            "findings": [f.to_dict() for f in self.findings],
            "tips": [t.to_dict() for t in self.tips],
            "sign_on": self.sign_on,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Debrief:
        """Rebuild a debrief written by ``to_dict``."""
        ended = data.get("ended_at")
        return cls(
            negotiation_id=_opt_int(data.get("negotiation_id")),
            language=Language(data.get("language", Language.EN.value)),
            currency=str(data["currency"]),
            role=str(data.get("role", "")),
            offer=int(data["offer"]),
            target=int(data.get("target", data["offer"])),
            budget=int(data["budget"]),
            final_offer=_opt_int(data.get("final_offer")),
            outcome=Outcome(data["outcome"]),
            left_on_table=int(data["left_on_table"]),
            scores={Dimension(k): int(v) for k, v in data["scores"].items()},
            findings=tuple(Finding.from_dict(f) for f in data.get("findings", ())),
            tips=tuple(Tip.from_dict(t) for t in data.get("tips", ())),
            sign_on=int(data.get("sign_on", 0)),
            ended_at=datetime.fromisoformat(ended) if ended else None,
        )


@dataclass(slots=True)
class Negotiation:
    """One negotiation: who, where, the setup, the hidden budget, the turns so far."""

    user_id: int
    guild_id: int | None
    setup: Setup
    seed: int
    state: RecruiterState
    id: int | None = None
    channel_id: int | None = None
    status: Status = Status.ACTIVE
    turns: list[Turn] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    debrief: Debrief | None = None

    @property
    def language(self) -> Language:
        """Return the negotiation's language."""
        return self.setup.language

    @property
    def budget(self) -> int:
        """Return the recruiter's hidden budget for base salary."""
        return self.state.budget

    @property
    def candidate_messages(self) -> list[str]:
        """Return what the candidate said, in order."""
        return [t.text for t in self.turns if t.speaker is Speaker.CANDIDATE]

    @property
    def awaiting_reply(self) -> bool:
        """Tell whether the candidate's last message was saved but never answered."""
        return bool(self.turns) and self.turns[-1].speaker is Speaker.CANDIDATE


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One past negotiation as ``/negotiate history`` lists it."""

    negotiation_id: int
    role: str
    currency: str
    offer: int
    final_offer: int | None
    status: Status
    outcome: Outcome | None
    overall: int | None
    language: Language
    created_at: datetime
