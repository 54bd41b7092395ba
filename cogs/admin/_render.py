"""Texts of the `/admin` replies (no key text ever reaches them, only its last 4 characters)."""

from __future__ import annotations

import logging

from bot.catalog import Language
from bot.copy import text
from bot.llm.guild_routing import (
    ANTHROPIC,
    OPENAI,
    GuildStatus,
    KeyCheck,
    ProviderStatus,
    RouteSource,
)
from bot.llm.health import HealthSnapshot

log = logging.getLogger(__name__)

LABELS = {OPENAI: "OpenAI", ANTHROPIC: "Anthropic"}


def label(provider: str) -> str:
    """Return the display name of a provider."""
    return LABELS.get(provider, provider)


def no_master_key(language: Language) -> str:
    """Tell an administrator that server keys are off, and the operator what to do."""
    return text("admin.no_master_key", language, help=text("admin.master_key_help", language))


def fallback_text(source: RouteSource, language: Language = Language.EN) -> str:
    """Describe where a server's coaching comes from."""
    return text(f"admin.source.{source.value}", language)


def saved(provider: str, api_key: str, check: KeyCheck, language: Language = Language.EN) -> str:
    """Confirm a stored key by its last four characters only."""
    name = label(provider)
    outcome = text(f"admin.check.{check.value}", language, label=name)
    return text("admin.saved", language, label=name, last4=api_key[-4:], check=outcome)


def _health(h: HealthSnapshot | None, language: Language) -> str:
    if h is None or h.calls == 0:
        return text("admin.health.none", language)
    line = text("admin.health.calls", language, ok=h.successes, calls=h.calls)
    if h.recent_latency_ms is not None:
        line += text("admin.health.latency", language, seconds=f"{h.recent_latency_ms / 1000:.1f}")
    if h.cooling_down:
        line += text("admin.health.cooling", language)
    return line


def _provider_line(p: ProviderStatus, language: Language) -> str:
    name = label(p.provider)
    health = _health(p.health, language)
    if p.source is RouteSource.OWN:
        return text("admin.provider_line.own", language, name=name, health=health)
    if p.source is RouteSource.BOT:
        return text("admin.provider_line.bot", language, name=name, health=health)
    if p.stored:
        return text("admin.provider_line.stored", language, name=name)
    return text("admin.provider_line.none", language, name=name)


def unreadable_notice(
    providers: tuple[str, ...], source: RouteSource, language: Language = Language.EN
) -> str:
    """Tell a server's administrators that its stored keys can no longer be read."""
    return text(
        "admin.unreadable_notice",
        language,
        labels=" / ".join(label(p) for p in providers),
        fallback=fallback_text(source, language),
    )


def status(st: GuildStatus, language: Language = Language.EN) -> str:
    """Render `/admin llm-status`."""
    lines = [text("admin.status_head", language, source=fallback_text(st.source, language))]
    lines += [_provider_line(p, language) for p in st.providers]
    if st.source is RouteSource.OWN:
        used = (
            text("admin.own_tokens", language, tokens=f"{st.own_tokens_today:,}")
            if st.own_tokens_today is not None
            else ""
        )
        lines.append(used + text("admin.own_unlimited", language))
    elif st.daily_budget is None:
        lines.append(text("admin.bot_tokens_unlimited", language, tokens=f"{st.tokens_today:,}"))
    else:
        lines.append(
            text(
                "admin.bot_tokens",
                language,
                tokens=f"{st.tokens_today:,}",
                budget=f"{st.daily_budget:,}",
            )
        )
    # Without a master key the keys cannot be stored again: say what the operator removed.
    unreadable = "admin.undecryptable" if st.byok_enabled else "admin.undecryptable_no_master"
    for provider in st.undecryptable:
        lines.append(text(unreadable, language, label=label(provider)))
    if not st.byok_enabled:
        lines.append(text("admin.byok_off", language))
    return "\n".join(lines)
