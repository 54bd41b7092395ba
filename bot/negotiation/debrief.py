"""The debrief: four scores with the candidate's own words as evidence, the budget revealed,
the money left on the table, three tips, and patterns across the last negotiations.

Scores (0-100), each from what the candidate's messages show (README "Salary negotiation"):

- **Anchoring**: naming a number first and high. Never naming one scores 10-15. A first number
  starts at 40; +20 when it came in the first message; +30/+25/+15/+5 for 15%/10%/5%/less
  above the offer; +10 when it reached the target; +5 for a precise number; -10 for a range
  (the low end is what is heard); -25 for one more than 50% above the offer.
- **Value articulation**: reasons of four kinds (impact, market data, an alternative, scope):
  10, +22 per kind, +10 when a reason came with a number.
- **Counter-strategy**: 50, then +15 for a trade offered, +10 for asking about the rest of
  the package, +10 for asking more than once, +10 for holding an ask after a counter,
  +10 for a walk-away that drew a final offer; -35 for accepting the first offer without a
  counter, -15 each time the candidate lowered their own ask without a concession in
  between, -5 for the first vague ask and -10 for each further one, -20 for asking below
  what was on the table.
- **Emotional control**: 85, +15 for courtesy, -15 per heated message, -35 per insult.

Every quote is an exact slice of one of the candidate's messages (``sentence_around``).
Money left on the table is the budget minus the base agreed (or, without a deal, minus the
last base on the table).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

import yaml

from bot.catalog import Language
from bot.negotiation.models import (
    Debrief,
    Dimension,
    Finding,
    Negotiation,
    Outcome,
    Pattern,
    Speaker,
    Tip,
)
from bot.negotiation.money import DEFAULT_ROOT, Currency, format_amount
from bot.negotiation.signals import Cue, Hit, Reading, read_message, sentence_around

log = logging.getLogger(__name__)

TIPS_FILE: Final = "tips.yaml"
TIP_COUNT: Final = 3
PATTERN_WINDOW: Final = 3
WEAK: Final = 50
STRONG: Final = 70


@dataclass(frozen=True, slots=True)
class Said:
    """One candidate message, what it did, and the base on the table when it was said."""

    index: int
    text: str
    reading: Reading
    on_table: int
    # The base on the table after the recruiter's answer (None: no answer yet).
    after: int | None

    def quote(self, hit: Hit | None = None, span: tuple[int, int] | None = None) -> str:
        """Return the sentence around a hit or span (an exact slice of the message)."""
        if hit is not None:
            span = (hit.start, hit.end)
        if span is None:
            return sentence_around(self.text, 0, min(len(self.text), 1))
        return sentence_around(self.text, *span)


def conversation(negotiation: Negotiation, currency: Currency) -> list[Said]:
    """Return the candidate's messages read against the offer on the table at each one."""
    on_table = negotiation.setup.offer.base
    said: list[Said] = []
    turns = negotiation.turns
    for i, turn in enumerate(turns):
        if turn.speaker is Speaker.RECRUITER:
            if turn.offer is not None:
                on_table = turn.offer
            continue
        after = next(
            (t.offer for t in turns[i + 1 :] if t.speaker is Speaker.RECRUITER and t.offer),
            None,
        )
        reading = read_message(turn.text, negotiation.language, currency, on_table)
        said.append(Said(len(said), turn.text, reading, on_table, after))
    return said


# ---- scores -----------------------------------------------------------------------------------


def _anchoring(
    said: Sequence[Said], offer: int, target: int, outcome: Outcome, fmt: _Fmt
) -> tuple[int, list[Finding]]:
    d = Dimension.ANCHORING
    first = next((s for s in said if s.reading.ask is not None), None)
    if first is None:
        accepted = next((s for s in said if s.reading.accepts), None)
        if accepted is not None and outcome is Outcome.ACCEPTED:
            hit = accepted.reading.first(Cue.ACCEPT)
            return 10, [Finding(d, "never_named_accepted", accepted.quote(hit))]
        vague = next((s for s in said if s.reading.vague_ask), None)
        quote = vague.quote(vague.reading.first(Cue.ASK)) if vague else None
        return 15, [Finding(d, "never_named", quote)]
    ask = first.reading.ask
    assert ask is not None
    quote = first.quote(span=first.reading.ask_span)
    findings: list[Finding] = []
    score = 40
    if first.index == 0:
        score += 20
        findings.append(Finding(d, "first_message", quote, positive=True))
    height = ask / offer - 1
    pct = f"{height * 100:.0f}"
    params = {"ask": fmt(ask), "pct": pct, "target": fmt(target)}
    if height >= 0.15:
        score += 30
        findings.append(Finding(d, "high", quote, params, positive=True))
    elif height >= 0.10:
        score += 25
        findings.append(Finding(d, "high", quote, params, positive=True))
    elif height >= 0.05:
        score += 15
        findings.append(Finding(d, "modest", quote, params))
    else:
        score += 5
        findings.append(Finding(d, "low", quote, params))
    if ask >= target:
        score += 10
    else:
        findings.append(Finding(d, "below_target", quote, params))
    if first.reading.ranged:
        score -= 10
        findings.append(Finding(d, "range", quote, params))
    elif ask % (fmt.currency.step * 5):
        score += 5
        findings.append(Finding(d, "precise", quote, params, positive=True))
    if height > 0.5:
        score -= 25
        findings.append(Finding(d, "extreme", quote, params))
    return _clamp(score), findings


def _value(said: Sequence[Said]) -> tuple[int, list[Finding]]:
    d = Dimension.VALUE_ARTICULATION
    findings: list[Finding] = []
    kinds: set[Cue] = set()
    for s in said:
        for hit in s.reading.hits:
            if (
                hit.cue in (Cue.IMPACT, Cue.MARKET, Cue.ALTERNATIVE, Cue.SCOPE)
                and hit.cue not in kinds
            ):
                kinds.add(hit.cue)
                findings.append(Finding(d, hit.cue.value, s.quote(hit), positive=True))
    tied = next(
        (
            s
            for s in said
            if s.reading.ask is not None and (s.reading.reasons or s.reading.has(Cue.BECAUSE))
        ),
        None,
    )
    score = 10 + 22 * len(kinds)
    if tied is not None:
        score += 10
        findings.append(
            Finding(d, "reason_with_number", tied.quote(span=tied.reading.ask_span), positive=True)
        )
    if not kinds:
        bare = next((s for s in said if s.reading.ask is not None), None)
        quote = bare.quote(span=bare.reading.ask_span) if bare else None
        findings.append(Finding(d, "no_reason", quote))
    return _clamp(score), findings


def _counter(
    said: Sequence[Said], outcome: Outcome, offer: int, fmt: _Fmt
) -> tuple[int, list[Finding]]:
    d = Dimension.COUNTER_STRATEGY
    findings: list[Finding] = []
    score = 50
    asks = [s for s in said if s.reading.ask is not None]
    first_accept = next((s for s in said if s.reading.accepts), None)
    if first_accept is not None and not asks and first_accept.index == 0:
        score -= 35
        hit = first_accept.reading.first(Cue.ACCEPT)
        findings.append(
            Finding(d, "accepted_first", first_accept.quote(hit), {"offer": fmt(offer)})
        )
    trade = next((s for s in said if s.reading.has(Cue.TRADE)), None)
    if trade is not None:
        score += 15
        findings.append(
            Finding(d, "trade", trade.quote(trade.reading.first(Cue.TRADE)), positive=True)
        )
    levers = next((s for s in said if s.reading.has(Cue.LEVERS)), None)
    if levers is not None:
        score += 10
        quote = levers.quote(levers.reading.first(Cue.LEVERS))
        findings.append(Finding(d, "levers", quote, positive=True))
    if len(asks) >= 2:
        score += 10
        findings.append(
            Finding(d, "kept_going", asks[1].quote(span=asks[1].reading.ask_span), positive=True)
        )
    vague = [s for s in said if s.reading.vague_ask]
    for n, s in enumerate(vague):
        score -= 5 if n == 0 else 10
        if n == 0:
            findings.append(Finding(d, "vague", s.quote(s.reading.first(Cue.ASK))))
    held = False
    for prev, cur in pairwise(asks):
        assert prev.reading.ask is not None and cur.reading.ask is not None
        moved = prev.after is not None and prev.after > prev.on_table
        quote = cur.quote(span=cur.reading.ask_span)
        if cur.reading.ask < prev.reading.ask and not moved:
            score -= 15
            params = {"before": fmt(prev.reading.ask), "after": fmt(cur.reading.ask)}
            findings.append(Finding(d, "against_yourself", quote, params))
        elif cur.reading.ask >= prev.reading.ask and moved and not held:
            held = True
            score += 10
            findings.append(Finding(d, "held", quote, positive=True))
    below = next(
        (s for s in asks if s.reading.ask is not None and s.reading.ask <= s.on_table), None
    )
    if below is not None:
        score -= 20
        findings.append(
            Finding(
                d,
                "below_table",
                below.quote(span=below.reading.ask_span),
                {"offer": fmt(below.on_table)},
            )
        )
    walk = next(
        (
            s
            for s in said
            if s.reading.has(Cue.DECLINE) and s.after is not None and s.after > s.on_table
        ),
        None,
    )
    if walk is not None:
        score += 10
        findings.append(
            Finding(d, "walk_away", walk.quote(walk.reading.first(Cue.DECLINE)), positive=True)
        )
    extract = next((s for s in said if s.reading.has(Cue.EXTRACT)), None)
    if extract is not None:
        findings.append(
            Finding(d, "asked_budget", extract.quote(extract.reading.first(Cue.EXTRACT)))
        )
    return _clamp(score), findings


def _emotion(said: Sequence[Said]) -> tuple[int, list[Finding]]:
    d = Dimension.EMOTIONAL_CONTROL
    findings: list[Finding] = []
    score = 85
    courtesy = next((s for s in said if s.reading.has(Cue.COURTESY)), None)
    if courtesy is not None:
        score += 15
        hit = courtesy.reading.first(Cue.COURTESY)
        findings.append(Finding(d, "courtesy", courtesy.quote(hit), positive=True))
    for s in said:
        if s.reading.has(Cue.INSULT):
            score -= 35
            findings.append(Finding(d, "insult", s.quote(s.reading.first(Cue.INSULT))))
        elif s.reading.has(Cue.HEATED):
            score -= 15
            findings.append(Finding(d, "heat", s.quote(s.reading.first(Cue.HEATED))))
    if not findings:
        findings.append(Finding(d, "steady", None, positive=True))
    return _clamp(score), findings


def _clamp(score: int) -> int:
    return max(0, min(100, score))


class _Fmt:
    """Format amounts in one currency and language."""

    def __init__(self, currency: Currency, language: Language) -> None:
        self.currency = currency
        self.language = language

    def __call__(self, value: int) -> str:
        return format_amount(value, self.currency, self.language)


# ---- tips ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TipRule:
    """One tip of the catalogue: when it applies and where it comes from."""

    id: str
    dimension: Dimension
    when: tuple[str, ...]
    source: str
    core: int | None = None
    unless: tuple[str, ...] = ()


@cache
def tip_rules(root: Path = DEFAULT_ROOT) -> tuple[TipRule, ...]:
    """Return the tip catalogue in ``tips.yaml``."""
    raw: Any = yaml.safe_load((root / TIPS_FILE).read_text(encoding="utf-8"))
    return tuple(
        TipRule(
            id=str(t["id"]),
            dimension=Dimension(t["dimension"]),
            when=tuple(str(w) for w in t.get("when") or ()),
            source=str(t["source"]),
            core=int(t["core"]) if t.get("core") is not None else None,
            unless=tuple(str(w) for w in t.get("unless") or ()),
        )
        for t in raw["tips"]
    )


def conditions(findings: Sequence[Finding]) -> set[str]:
    """Return which tip conditions the findings show."""
    keys = {(f.dimension, f.key) for f in findings}
    a, v, c, e = (
        Dimension.ANCHORING,
        Dimension.VALUE_ARTICULATION,
        Dimension.COUNTER_STRATEGY,
        Dimension.EMOTIONAL_CONTROL,
    )
    found = set()
    if (a, "never_named") in keys or (a, "never_named_accepted") in keys:
        found.add("no_number")
    if (c, "accepted_first") in keys:
        found.add("accepted_early")
    if keys & {(a, "low"), (a, "modest"), (a, "below_target")}:
        found.add("low_anchor")
    if (a, "range") in keys:
        found.add("range")
    named = any(f.dimension is a and f.key in ("high", "modest", "low") for f in findings)
    if named and (a, "precise") not in keys and (a, "range") not in keys:
        found.add("round_anchor")
    if (v, "no_reason") in keys:
        found.add("no_reason")
    if (v, Cue.ALTERNATIVE.value) not in keys:
        found.add("no_alternative")
    if (c, "trade") not in keys and (c, "levers") not in keys:
        found.add("no_trade")
    if (c, "against_yourself") in keys:
        found.add("against_yourself")
    if (c, "vague") in keys:
        found.add("vague")
    if (c, "asked_budget") in keys:
        found.add("asked_budget")
    if keys & {(e, "heat"), (e, "insult")}:
        found.add("heat")
    # What makes a tip moot.
    if (a, "first_message") in keys:
        found.add("anchored_first")
    if (a, "high") in keys:
        found.add("high_anchor")
    if (a, "precise") in keys:
        found.add("precise")
    if named:
        found.add("named_number")
    if any(f.dimension is v and f.positive for f in findings):
        found.add("has_reason")
    if (v, Cue.ALTERNATIVE.value) in keys:
        found.add("has_alternative")
    if (c, "trade") in keys:
        found.add("traded")
    if (a, "range") not in keys:
        found.add("no_range")
    if (c, "levers") in keys:
        found.add("levers")
    else:
        found.add("no_levers")
    if not keys & {(e, "heat"), (e, "insult")}:
        found.add("calm")
    return found


def choose_tips(
    scores: Mapping[Dimension, int],
    findings: Sequence[Finding],
    offer: int,
    target: int,
    currency: Currency,
    fmt: _Fmt,
    rules: Sequence[TipRule] | None = None,
) -> tuple[Tip, ...]:
    """Return three tips: those the findings call for, weakest dimension first, then core."""
    rules = tip_rules() if rules is None else rules
    holds = conditions(findings)
    live = [r for r in rules if not holds & set(r.unless)]
    relevant = [r for r in live if holds & set(r.when)]
    relevant.sort(key=lambda r: (scores.get(r.dimension, 100), rules.index(r)))
    core = sorted((r for r in live if r.core is not None), key=lambda r: r.core or 0)
    chosen: list[TipRule] = []
    for rule in [*relevant, *core, *live, *rules]:
        if len(chosen) < TIP_COUNT and rule not in chosen:
            chosen.append(rule)
    suggested = currency.round_near(max(target, offer * 1.15))
    precise = suggested + (currency.step * 3 if suggested % (currency.step * 5) == 0 else 0)
    params = {
        "offer": fmt(offer),
        "target": fmt(target),
        "suggested": fmt(suggested),
        "precise": fmt(precise),
        "pct": f"{(suggested / offer - 1) * 100:.0f}",
        "low_end": fmt(target),
        "high_end": fmt(currency.round_near(target * 1.07)),
    }
    return tuple(Tip(r.id, r.dimension, params, r.source) for r in chosen)


# ---- the debrief ----------------------------------------------------------------------------


def build_debrief(
    negotiation: Negotiation, currency: Currency, now: datetime | None = None
) -> Debrief:
    """Return the debrief of a negotiation (finished or stopped)."""
    setup, state = negotiation.setup, negotiation.state
    fmt = _Fmt(currency, setup.language)
    said = conversation(negotiation, currency)
    outcome = state.outcome or Outcome.STOPPED
    offer = setup.offer.base
    parts = {
        Dimension.ANCHORING: _anchoring(said, offer, setup.target, outcome, fmt),
        Dimension.VALUE_ARTICULATION: _value(said),
        Dimension.COUNTER_STRATEGY: _counter(said, outcome, offer, fmt),
        Dimension.EMOTIONAL_CONTROL: _emotion(said),
    }
    scores = {d: score for d, (score, _) in parts.items()}
    findings = tuple(f for _, fs in parts.values() for f in fs)
    final = state.final_offer if outcome is Outcome.ACCEPTED else None
    left = max(0, state.budget - (final if final is not None else state.offer))
    tips = choose_tips(scores, findings, offer, setup.target, currency, fmt)
    return Debrief(
        negotiation_id=negotiation.id,
        language=setup.language,
        currency=setup.currency,
        role=setup.role,
        offer=offer,
        target=setup.target,
        budget=state.budget,
        final_offer=final,
        outcome=outcome,
        left_on_table=left,
        scores=scores,
        findings=findings,
        tips=tips,
        sign_on=state.sign_on,
        ended_at=now,
    )


# ---- patterns ---------------------------------------------------------------------------------


def patterns(recent: Sequence[Debrief]) -> tuple[Pattern, ...]:
    """Return what the candidate keeps doing across their last negotiations (newest first).

    Nothing before a second negotiation. At most three, in this order: accepting without
    naming a number twice, the (two weakest) dimensions below 50 in at least two of the last
    three, the average share of the budget left on the table (5% or more), a rise or slip of
    10+ points overall, and the strongest dimension (mean 70+).
    """
    window = list(recent[:PATTERN_WINDOW])
    if len(window) < 2:
        return ()
    found: list[Pattern] = []
    total = str(len(window))
    early = sum(1 for r in window if any(f.key == "never_named_accepted" for f in r.findings))
    if early >= 2:
        found.append(Pattern("accepts_early", {"count": str(early), "total": total}))
    means = {d: sum(r.scores.get(d, 0) for r in window) / len(window) for d in Dimension}
    weak = [
        (d, sum(1 for r in window if r.scores.get(d, 100) < WEAK))
        for d in sorted(Dimension, key=lambda d: means[d])
    ]
    for d, count in [w for w in weak if w[1] >= 2][:2]:
        found.append(Pattern("weak", {"dimension": d.value, "count": str(count), "total": total}))
    shares = [r.left_on_table / r.budget for r in window if r.budget > 0]
    if shares and sum(shares) / len(shares) >= 0.05:
        avg = sum(shares) / len(shares) * 100
        found.append(Pattern("left_on_table", {"pct": f"{avg:.0f}", "total": total}))
    delta = window[0].overall - window[-1].overall
    if delta >= 10:
        found.append(Pattern("improving", {"delta": str(delta), "total": total}))
    elif delta <= -10:
        found.append(Pattern("slipping", {"delta": str(-delta), "total": total}))
    best = max(means, key=lambda d: means[d])
    if means[best] >= STRONG:
        found.append(Pattern("strength", {"dimension": best.value, "total": total}))
    return tuple(found[:3])
