"""Texts of the `/admin` replies (no key text ever reaches them, only its last 4 characters)."""

from __future__ import annotations

import logging

from bot.llm.guild_routing import (
    ANTHROPIC,
    MASTER_KEY_HELP,
    OPENAI,
    GuildStatus,
    KeyCheck,
    ProviderStatus,
    RouteSource,
)
from bot.llm.health import HealthSnapshot

log = logging.getLogger(__name__)

LABELS = {OPENAI: "OpenAI", ANTHROPIC: "Anthropic"}

NOT_IN_DM = "`/admin` commands change a server's settings, so they only work inside a server."
NOT_ADMIN = "Only server administrators can change Mockingbird's model settings."
NO_MASTER_KEY = (
    "Server keys are turned off on this bot: its operator has not set "
    "`MOCKINGBIRD_MASTER_KEY`, which encrypts stored keys. Operator: " + MASTER_KEY_HELP
)
REJECTED = (
    "{label} refused that key (it is wrong, revoked or lacks access), so it was **not** saved. "
    "Check it and try `/admin llm-key` again."
)
SAVED = "Saved this server's {label} key ending in `{last4}`. {check}"
CHECK_TEXT = {
    KeyCheck.OK: "A test call worked: answers on this server are now coached with it.",
    KeyCheck.UNVERIFIED: (
        "I could not reach {label} to test it just now, so it is saved untested; "
        "`/admin llm-status` shows whether calls succeed."
    ),
    KeyCheck.SKIPPED: "It is used from the next answer on.",
}
REMOVED = "Removed this server's {label} key. This server now uses {fallback}."
NOTHING_TO_REMOVE = "This server has no {label} key stored. It uses {fallback}."
APOLOGY = (
    "Sorry, saving the key failed on my side (reference `{ref}`). Nothing was shown or logged."
)


def label(provider: str) -> str:
    """Return the display name of a provider."""
    return LABELS.get(provider, provider)


def fallback_text(source: RouteSource) -> str:
    """Describe where a server's coaching comes from."""
    if source is RouteSource.OWN:
        return "its own key"
    if source is RouteSource.BOT:
        return "the bot's own model key"
    return "the offline coach (no model key)"


def saved(provider: str, api_key: str, check: KeyCheck) -> str:
    """Confirm a stored key by its last four characters only."""
    name = label(provider)
    return SAVED.format(label=name, last4=api_key[-4:], check=CHECK_TEXT[check].format(label=name))


def _health(h: HealthSnapshot | None) -> str:
    if h is None or h.calls == 0:
        return "no calls yet"
    text = f"{h.successes}/{h.calls} recent calls ok"
    if h.recent_latency_ms is not None:
        text += f", ~{h.recent_latency_ms / 1000:.1f} s"
    if h.cooling_down:
        text += ", cooling down after errors"
    return text


def _provider_line(p: ProviderStatus) -> str:
    name = label(p.provider)
    if p.source is RouteSource.OWN:
        return f"- **{name}**: this server's key ({_health(p.health)})"
    if p.source is RouteSource.BOT:
        return f"- **{name}**: the bot's key ({_health(p.health)})"
    if p.stored:
        return f"- **{name}**: key stored but not usable"
    return f"- **{name}**: not configured"


def status(st: GuildStatus) -> str:
    """Render `/admin llm-status`."""
    lines = [f"**Model coaching on this server:** {fallback_text(st.source)}"]
    lines += [_provider_line(p) for p in st.providers]
    if st.source is RouteSource.OWN:
        used = (
            f"Tokens used today on this server's key: {st.own_tokens_today:,}. "
            if st.own_tokens_today is not None
            else ""
        )
        lines.append(used + "Calls on this server's key are not limited by the bot's daily budget.")
    elif st.daily_budget is None:
        lines.append(f"Tokens used today on the bot's key: {st.tokens_today:,} (no daily limit).")
    else:
        lines.append(
            f"Tokens used today on the bot's key: {st.tokens_today:,} of {st.daily_budget:,}"
            " (resets at midnight UTC)."
        )
    for provider in st.undecryptable:
        lines.append(
            f"Warning: the stored {label(provider)} key cannot be read (the bot's master key "
            "changed). Store it again with `/admin llm-key`."
        )
    if not st.byok_enabled:
        lines.append(
            "Server keys are off: the bot's operator has not set `MOCKINGBIRD_MASTER_KEY`."
        )
    return "\n".join(lines)
