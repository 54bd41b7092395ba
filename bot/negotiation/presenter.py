"""The debrief in words, for every surface (Discord, the terminal, the PDF report).

``debrief_text`` turns the plain ``Debrief`` into titled sections of lines in its language;
each surface lays them out its own way. ``debrief_json`` is the terminal's ``--json`` shape.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.catalog import Language
from bot.copy import text as copy_text
from bot.negotiation.models import Debrief, Dimension, HistoryRow, Negotiation, Outcome, Pattern
from bot.negotiation.money import Currency, format_amount
from bot.negotiation.particles import attach

log = logging.getLogger(__name__)


def text(key: str, language: Language, **params: Any) -> str:
    """Return a message; in Korean, particles fit the amount before them ("원으로")."""
    words = copy_text(key, language, **params)
    return attach(words) if language is Language.KO else words


@dataclass(frozen=True, slots=True)
class DebriefText:
    """The debrief's sections, each a list of lines (markdown-light: ** and _)."""

    title: str
    summary: list[str]
    scores: list[str]
    evidence: dict[Dimension, list[str]]
    tips: list[str]
    patterns_title: str
    patterns: list[str]


def dimension_name(dimension: Dimension, language: Language) -> str:
    """Return a dimension's name."""
    return text(f"negotiation.dimensions.{dimension.value}", language)


def pattern_line(pattern: Pattern, language: Language) -> str:
    """Return one pattern in words."""
    params = dict(pattern.params)
    if "dimension" in params:
        params["dimension"] = dimension_name(Dimension(params["dimension"]), language)
    return text(f"negotiation.patterns.{pattern.id}", language, **params)


def debrief_text(debrief: Debrief, currency: Currency) -> DebriefText:
    """Return the debrief's words in its language."""
    lang = debrief.language

    def fmt(value: int) -> str:
        return format_amount(value, currency, lang)

    on_table = debrief.final_offer if debrief.final_offer is not None else None
    summary = [
        text(
            f"negotiation.debrief.outcome.{debrief.outcome.value}",
            lang,
            final=fmt(on_table or debrief.offer),
            offer=fmt(_last_offer(debrief)),
        ),
        text(
            "negotiation.debrief.budget",
            lang,
            budget=fmt(debrief.budget),
            offer=fmt(debrief.offer),
            target=fmt(debrief.target),
        ),
    ]
    if debrief.left_on_table > 0:
        pct = f"{debrief.left_on_table / max(1, debrief.budget) * 100:.0f}"
        summary.append(
            text("negotiation.debrief.left", lang, left=fmt(debrief.left_on_table), pct=pct)
        )
    else:
        summary.append(text("negotiation.debrief.left_none", lang))
    if debrief.sign_on:
        summary.append(text("negotiation.debrief.sign_on", lang, sign_on=fmt(debrief.sign_on)))
    scores = [
        text(
            "negotiation.debrief.score_line",
            lang,
            name=dimension_name(d, lang),
            score=score,
        )
        for d, score in debrief.scores.items()
    ]
    scores.append(text("negotiation.debrief.overall", lang, score=debrief.overall))
    evidence: dict[Dimension, list[str]] = {d: [] for d in Dimension}
    for dimension in Dimension:
        # Notes that quote the same words are said once, after the quote.
        grouped: dict[str | None, list[tuple[str, bool]]] = {}
        for f in debrief.findings:
            if f.dimension is not dimension:
                continue
            note = text(f"negotiation.findings.{f.dimension.value}.{f.key}", lang, **f.params)
            key = f.quote if f.quote else f"\0{len(grouped)}"
            grouped.setdefault(key, []).append((note, f.positive))
        for quote, notes in grouped.items():
            said = " ".join([notes[0][0], *(n[:1].upper() + n[1:] for n, _ in notes[1:])])
            if quote is not None and not quote.startswith("\0"):
                line = text("negotiation.debrief.quoted", lang, quote=quote, note=said)
            else:
                line = said[:1].upper() + said[1:]
            mark = "✓ " if all(positive for _, positive in notes) else "• "
            evidence[dimension].append(mark + line)
    tips = [
        text(
            "negotiation.debrief.tip_line",
            lang,
            text=text(f"negotiation.tips.{t.id}", lang, **t.params),
            source=t.source,
        )
        for t in debrief.tips
    ]
    if debrief.patterns:
        total = max(int(p.params.get("total", "0")) for p in debrief.patterns)
        patterns_title = text("negotiation.debrief.patterns", lang, total=total)
        patterns = [pattern_line(p, lang) for p in debrief.patterns]
    else:
        patterns_title = text("negotiation.debrief.patterns_heading", lang)
        patterns = [text("negotiation.debrief.patterns_none", lang)]
    return DebriefText(
        title=text("negotiation.debrief.title", lang, role=debrief.role),
        summary=summary,
        scores=scores,
        evidence=evidence,
        tips=tips,
        patterns_title=patterns_title,
        patterns=patterns,
    )


def _last_offer(debrief: Debrief) -> int:
    """Return the base on the table at the end (the budget minus what was left on it)."""
    if debrief.final_offer is not None:
        return debrief.final_offer
    return debrief.budget - debrief.left_on_table


def debrief_json(negotiation: Negotiation, debrief: Debrief) -> dict[str, Any]:
    """Return the terminal's ``--json`` object (the shape issue 16 specifies)."""
    return {
        "turns": [{"speaker": t.speaker.value, "text": t.text} for t in negotiation.turns],
        "budget": debrief.budget,
        "final_offer": debrief.final_offer,
        "scores": {d.value: s for d, s in debrief.scores.items()},
        "left_on_table": debrief.left_on_table,
        "evidence": [{"score": d.value, "quote": q} for d, q in debrief.evidence],
    }


def history_line(row: HistoryRow, currency: Currency, language: Language) -> str:
    """Return one past negotiation in one line."""
    final = (
        format_amount(row.final_offer, currency, language)
        if row.final_offer is not None
        else text("negotiation.history.no_final", language)
    )
    outcome = row.outcome.value if row.outcome is not None else Outcome.STOPPED.value
    if row.status.value == "active":
        outcome = "active"
    score = (
        text("negotiation.history.score", language, score=row.overall)
        if row.overall is not None
        else ""
    )
    return text(
        "negotiation.history.row",
        language,
        date=row.created_at.strftime("%Y-%m-%d"),
        role=row.role,
        offer=format_amount(row.offer, currency, language),
        final=final,
        outcome=text(f"negotiation.outcomes.{outcome}", language),
        score=score,
    )
