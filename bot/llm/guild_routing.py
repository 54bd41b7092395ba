"""Pick the model router for a server: its own keys, else the bot's keys, else none (offline).

A server that stored keys with ``/admin llm-key`` gets a router built from them. That router
is cached, rebuilt when the stored ciphertext changes, and its providers are closed once the
last call still using them finishes. Keys that cannot be decrypted (the master key changed,
or was removed) are skipped with a warning that names the server and provider only, and the
server falls back to the bot's own router; the server's administrators are told once per
process and change of keys, through the ``on_unreadable`` callback the Discord side sets,
and ``/admin llm-status`` says so.

A server with its own key uses only its own providers: it never fails over to the bot's key,
so the operator is not billed behind anyone's back. A newly pasted key gets one 1-token test
call: a 401/403 means it is wrong and is not stored; a provider that cannot be reached (or
refuses for another reason) does not block storing, and the admin is told it is untested.

Budget policy: the per-server daily token budget protects the operator's keys, so it is
checked and charged only for calls on the bot's router; a server paying with its own key is
not limited by it (its calls are still recorded in ``llm_calls``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.catalog import Language
from bot.copy import text as copy_text
from bot.errors import ConfigError
from bot.llm._base import CallTimeouts
from bot.llm.anthropic_provider import AnthropicProvider, AnthropicSettings
from bot.llm.health import HealthSnapshot, HealthTracker
from bot.llm.keys import (
    MASTER_KEY_ENV,
    KeyVault,
    KeyVaultError,
    SecretRedactor,
)
from bot.llm.openai_provider import OpenAIProvider, OpenAISettings
from bot.llm.router import LLMRouter, RetryPolicy
from bot.llm.types import (
    ChatMessage,
    LLMError,
    LLMProvider,
    LLMRequest,
    ProviderRejected,
    UsageSink,
)

if TYPE_CHECKING:
    from bot.config import LLMSettings

log = logging.getLogger(__name__)

OPENAI = "openai"
ANTHROPIC = "anthropic"
PROVIDERS = (OPENAI, ANTHROPIC)
# What a pasted key must look like; the check is about typos, not security.
_KEY_PREFIX = {OPENAI: "sk-", ANTHROPIC: "sk-ant-"}
_MIN_KEY_LEN = 20
_MAX_KEY_LEN = 300
# Statuses that mean "this key is wrong", as opposed to "could not tell right now".
_BAD_KEY_STATUSES = frozenset({401, 403})

ProviderFactory = Callable[[str, str], LLMProvider]
# Told (server id, providers) when a server's stored keys can no longer be read.
UnreadableKeys = Callable[[int, tuple[str, ...]], Awaitable[None]]


class RouteSource(StrEnum):
    """Whose key serves a server's calls."""

    OWN = "own"
    BOT = "bot"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Route:
    """The router serving one server right now (None: no key anywhere, use the offline coach)."""

    router: LLMRouter | None
    source: RouteSource
    guild_id: int | None = None

    @property
    def metered(self) -> bool:
        """Tell whether calls count against the server's daily budget (the bot's key only)."""
        return self.source is RouteSource.BOT

    @property
    def usage_label(self) -> str | None:
        """Return the label stored with each usage row (never a secret)."""
        if self.guild_id is None:
            return None
        suffix = ":own" if self.source is RouteSource.OWN else ""
        return f"guild:{self.guild_id}{suffix}"


class RouteResolver(Protocol):
    """Hands out the router for a server for the length of one call."""

    def use(self, guild_id: int | None) -> contextlib.AbstractAsyncContextManager[Route]:
        """Lease the server's route; providers replaced meanwhile close after the lease."""
        ...


class StaticRoutes:
    """One router (or none) for every server: the behaviour before per-server keys."""

    def __init__(self, router: LLMRouter | None) -> None:
        self.router = router

    @contextlib.asynccontextmanager
    async def use(self, guild_id: int | None) -> AsyncIterator[Route]:
        """Lease the shared route."""
        source = RouteSource.BOT if self.router is not None else RouteSource.NONE
        yield Route(self.router, source, guild_id)


class GuildKeyStore(Protocol):
    """Where per-server key ciphertext lives (``storage.llm_usage.SqliteGuildKeys``)."""

    async def store(self, guild_id: int, provider: str, ciphertext: str) -> None:
        """Insert or replace a server's encrypted key."""
        ...

    async def load_all(self, guild_id: int) -> dict[str, str]:
        """Return provider -> ciphertext for one server."""
        ...

    async def delete(self, guild_id: int, provider: str | None = None) -> int:
        """Delete one provider's key (or all); return how many went."""
        ...


class BudgetReader(Protocol):
    """The read side of the daily token budget, for status pages."""

    daily_tokens: int | None

    def limit(self, guild_id: int | None) -> int | None:
        """Return the server's daily budget (its own, else the bot's; None: no limit)."""
        ...

    async def spent(self, guild_id: int | None) -> int:
        """Return the tokens the server used today."""
        ...


class UsageTotals(Protocol):
    """Token totals per usage label (``storage.llm_usage.SqliteUsageTotals``)."""

    async def tokens_today(self, label: str) -> int:
        """Return the tokens recorded under ``label`` today (UTC)."""
        ...


class KeyShapeError(LLMError):
    """A pasted key does not look like a key of that provider; message is safe to show."""

    def __init__(self, reason: str, **params: str) -> None:
        self.reason = reason
        self.params = params
        super().__init__(self.message_in(Language.EN))

    def message_in(self, language: Language) -> str:
        """Return what is wrong with the key, in ``language``."""
        return copy_text(f"admin.key_shape.{self.reason}", language, **self.params)


class KeyCheck(StrEnum):
    """Outcome of the one cheap test call made with a new key."""

    OK = "ok"
    REJECTED = "rejected"
    UNVERIFIED = "unverified"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """How one provider is served for a server."""

    provider: str
    source: RouteSource
    stored: bool
    health: HealthSnapshot | None = None


@dataclass(frozen=True, slots=True)
class GuildStatus:
    """What ``/admin llm-status`` shows."""

    guild_id: int
    byok_enabled: bool
    source: RouteSource
    providers: tuple[ProviderStatus, ...]
    tokens_today: int
    daily_budget: int | None
    undecryptable: tuple[str, ...] = ()
    # Tokens this server's own key used today, when the usage reader is wired.
    own_tokens_today: int | None = None


def validate_key_shape(provider: str, api_key: str) -> str:
    """Return the trimmed key or raise KeyShapeError saying what a key looks like."""
    if provider not in _KEY_PREFIX:
        raise KeyShapeError(
            "unknown_provider", provider=repr(provider), providers=", ".join(PROVIDERS)
        )
    key = api_key.strip()
    prefix = _KEY_PREFIX[provider]
    label = "OpenAI" if provider == OPENAI else "Anthropic"
    if any(c.isspace() for c in key) or not key.isascii():
        raise KeyShapeError("bad_characters", label=label)
    if provider == OPENAI and key.startswith(_KEY_PREFIX[ANTHROPIC]):
        raise KeyShapeError("anthropic_for_openai")
    if not key.startswith(prefix) or not _MIN_KEY_LEN <= len(key) <= _MAX_KEY_LEN:
        raise KeyShapeError("bad_prefix", label=label, prefix=prefix)
    return key


def provider_factory(
    llm: LLMSettings, *, base_urls: Mapping[str, str] | None = None
) -> ProviderFactory:
    """Return a factory building providers for a server's key with the bot's model settings.

    Base URLs come from the settings (so `.env` counts, not only the environment the SDKs
    read); ``base_urls`` overrides them (tests point them at a loopback fake).
    """
    urls = {OPENAI: llm.openai_base_url, ANTHROPIC: llm.anthropic_base_url}
    urls.update(base_urls or {})
    timeouts = CallTimeouts(total_s=llm.llm_timeout_seconds)

    def make(provider: str, api_key: str) -> LLMProvider:
        if provider == OPENAI:
            return OpenAIProvider(
                OpenAISettings(
                    api_key=api_key,
                    model=llm.openai_model,
                    base_url=urls.get(OPENAI),
                    timeouts=timeouts,
                )
            )
        if provider == ANTHROPIC:
            return AnthropicProvider(
                AnthropicSettings(
                    api_key=api_key,
                    model=llm.anthropic_model,
                    base_url=urls.get(ANTHROPIC),
                    timeouts=timeouts,
                )
            )
        raise ValueError(f"unknown provider {provider!r}")

    return make


async def close_provider(provider: LLMProvider) -> None:
    """Close a provider's HTTP client if it has one; failures are logged, not raised."""
    aclose = getattr(provider, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except Exception:
        log.warning("closing LLM provider %s failed", provider.name, exc_info=True)


@dataclass(slots=True)
class _Entry:
    """A server's own router, the ciphertext it was built from, and who is using it."""

    fingerprint: str
    router: LLMRouter | None
    providers: list[LLMProvider]
    undecryptable: tuple[str, ...] = ()
    leases: int = 0
    retired: bool = False
    closed: bool = False

    async def close_if_idle(self) -> None:
        """Close the providers once retired and no call uses them."""
        if self.retired and self.leases == 0 and not self.closed:
            self.closed = True
            for p in self.providers:
                await close_provider(p)


def _fingerprint(ciphertexts: Mapping[str, str]) -> str:
    """Return a digest that changes whenever any stored key changes."""
    h = hashlib.sha256()
    for provider in sorted(ciphertexts):
        h.update(f"{provider}\0{ciphertexts[provider]}\0".encode())
    return h.hexdigest()


class GuildRouting:
    """Per-server routers from stored keys, falling back to the bot's router, else none."""

    def __init__(
        self,
        keys: GuildKeyStore | None,
        vault: KeyVault | None,
        factory: ProviderFactory,
        *,
        global_router: LLMRouter | None = None,
        usage_sink: UsageSink | None = None,
        budget: BudgetReader | None = None,
        usage: UsageTotals | None = None,
        retry: RetryPolicy | None = None,
        check_timeout_s: float = 8.0,
    ) -> None:
        self._keys = keys
        self.vault = vault
        self._factory = factory
        self.global_router = global_router
        self._sink = usage_sink
        self._budget = budget
        self._usage = usage
        self._retry = retry
        self.check_timeout_s = check_timeout_s
        self._entries: dict[int, _Entry] = {}
        self._lock = asyncio.Lock()
        # (guild, fingerprint) pairs already warned about: a bad master key warns once per change.
        self._warned: set[tuple[int, str]] = set()
        # Without a master key nothing new can be stored: look at each server's keys once.
        self._looked: set[int] = set()
        self.on_unreadable: UnreadableKeys | None = None
        self._telling: set[asyncio.Task[None]] = set()

    @property
    def byok_enabled(self) -> bool:
        """Tell whether servers may store their own keys (a master key is configured)."""
        return self.vault is not None and self._keys is not None

    # ---- routing -----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def use(self, guild_id: int | None) -> AsyncIterator[Route]:
        """Lease the route for a server for one call."""
        entry = await self._entry(guild_id)
        if entry is None or entry.router is None:
            yield self._fallback(guild_id)
            return
        entry.leases += 1
        try:
            yield Route(entry.router, RouteSource.OWN, guild_id)
        finally:
            entry.leases -= 1
            await entry.close_if_idle()

    async def route_for(self, guild_id: int | None) -> Route:
        """Return the route a call would take now (for status pages; not leased)."""
        entry = await self._entry(guild_id)
        if entry is None or entry.router is None:
            return self._fallback(guild_id)
        return Route(entry.router, RouteSource.OWN, guild_id)

    def _fallback(self, guild_id: int | None) -> Route:
        source = RouteSource.BOT if self.global_router is not None else RouteSource.NONE
        return Route(self.global_router, source, guild_id)

    async def _entry(self, guild_id: int | None) -> _Entry | None:
        """Return the server's cached entry, rebuilding it when its stored keys changed."""
        if guild_id is None or self._keys is None:
            return None
        if self.vault is None:
            await self._look_without_vault(guild_id)
            return None
        try:
            stored = await self._keys.load_all(guild_id)
        except Exception:
            log.exception("loading stored keys failed for guild %s; using the bot's key", guild_id)
            return None
        async with self._lock:
            current = self._entries.get(guild_id)
            if not stored:
                if current is not None:
                    await self._retire(guild_id)
                return None
            fingerprint = _fingerprint(stored)
            if current is not None and current.fingerprint == fingerprint:
                return current
            if current is not None:
                await self._retire(guild_id)
            entry = self._build(guild_id, stored, fingerprint)
            self._entries[guild_id] = entry
            return entry

    def _build(self, guild_id: int, stored: Mapping[str, str], fingerprint: str) -> _Entry:
        """Decrypt a server's keys and build its router; skip keys that cannot be decrypted."""
        assert self.vault is not None
        providers: list[LLMProvider] = []
        bad: list[str] = []
        for name in PROVIDERS:
            token = stored.get(name)
            if token is None:
                continue
            try:
                api_key = self.vault.decrypt(token)
            except KeyVaultError:
                bad.append(name)
                continue
            providers.append(self._factory(name, api_key))
        unknown = sorted(set(stored) - set(PROVIDERS))
        if unknown:
            log.warning("guild %s has keys for unknown providers %s; ignored", guild_id, unknown)
        if bad and (guild_id, fingerprint) not in self._warned:
            self._warned.add((guild_id, fingerprint))
            log.warning(
                "guild %s: stored %s key(s) cannot be decrypted (was MOCKINGBIRD_MASTER_KEY "
                "changed?); using the bot's own key instead",
                guild_id,
                "/".join(bad),
            )
            self._tell(guild_id, tuple(bad))
        router = None
        if providers:
            router = LLMRouter(
                providers, health=HealthTracker(), retry=self._retry, usage_sink=self._sink
            )
            log.info(
                "guild %s uses its own %s key(s)", guild_id, "/".join(p.name for p in providers)
            )
        return _Entry(fingerprint, router, providers, tuple(bad))

    async def _look_without_vault(self, guild_id: int) -> None:
        """With no master key, warn (once) about keys a server stored earlier."""
        if guild_id in self._looked or self._keys is None:
            return
        self._looked.add(guild_id)
        try:
            stored = await self._keys.load_all(guild_id)
        except Exception:
            log.exception("loading stored keys failed for guild %s", guild_id)
            return
        unreadable = tuple(p for p in PROVIDERS if p in stored)
        if unreadable:
            log.warning(
                "guild %s: stored %s key(s) cannot be read without MOCKINGBIRD_MASTER_KEY; "
                "using the bot's own key instead",
                guild_id,
                "/".join(unreadable),
            )
            self._tell(guild_id, unreadable)

    def _tell(self, guild_id: int, providers: tuple[str, ...]) -> None:
        """Tell the server's administrators in the background; grading never waits on it."""
        callback = self.on_unreadable
        if callback is None:
            return

        async def tell() -> None:
            try:
                await callback(guild_id, providers)
            except Exception:
                log.exception("telling guild %s about its unreadable keys failed", guild_id)

        task = asyncio.get_running_loop().create_task(tell(), name=f"unreadable-keys-{guild_id}")
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _retire(self, guild_id: int) -> None:
        """Drop a server's cached router; close it now or when its last call ends."""
        entry = self._entries.pop(guild_id, None)
        if entry is not None:
            entry.retired = True
            await entry.close_if_idle()

    # ---- key management ----------------------------------------------------------------

    async def set_key(self, guild_id: int, provider: str, api_key: str) -> None:
        """Encrypt and store a server's key, replacing its cached router."""
        if self.vault is None or self._keys is None:
            raise KeyVaultError("per-server keys need MOCKINGBIRD_MASTER_KEY")
        key = validate_key_shape(provider, api_key)
        await self._keys.store(guild_id, provider, self.vault.encrypt(key))
        async with self._lock:
            await self._retire(guild_id)

    async def remove_key(self, guild_id: int, provider: str) -> bool:
        """Delete a server's key for ``provider``; return whether one was stored."""
        if self._keys is None:
            return False
        removed = await self._keys.delete(guild_id, provider)
        self._looked.discard(guild_id)
        async with self._lock:
            await self._retire(guild_id)
        return removed > 0

    async def check_key(self, provider: str, api_key: str) -> KeyCheck:
        """Make one tiny call with the key: OK, REJECTED (wrong key) or UNVERIFIED."""
        if self.check_timeout_s <= 0:
            return KeyCheck.SKIPPED
        # Vendors echo keys in error text; make sure anything logged here is masked.
        redactor = SecretRedactor([api_key])
        if self.vault is not None:
            # Also for log handlers: a rejected key is never encrypted, so never registered.
            self.vault.redactor.add(api_key)
        probe = self._factory(provider, api_key)
        request = LLMRequest(
            messages=(ChatMessage("user", "Reply with OK."),),
            max_tokens=1,
            temperature=0.0,
            prompt_id="key_check",
            prompt_version="v0",
        )
        try:
            async with asyncio.timeout(self.check_timeout_s):
                async for _ in probe.stream(request):
                    pass
        except ProviderRejected as exc:
            if exc.status in _BAD_KEY_STATUSES:
                return KeyCheck.REJECTED
            log.info("key check for %s refused: %s", provider, redactor.redact(str(exc)))
            return KeyCheck.UNVERIFIED
        except (LLMError, TimeoutError) as exc:
            log.info(
                "key check for %s could not reach the provider: %s",
                provider,
                redactor.redact(str(exc)) or type(exc).__name__,
            )
            return KeyCheck.UNVERIFIED
        finally:
            await close_provider(probe)
        return KeyCheck.OK

    # ---- status ------------------------------------------------------------------------

    async def status(self, guild_id: int) -> GuildStatus:
        """Return which key serves each provider, its health, and today's tokens."""
        stored: dict[str, str] = {}
        if self._keys is not None:
            stored = await self._keys.load_all(guild_id)
        entry = await self._entry(guild_id)
        own = {p.name for p in entry.providers} if entry is not None else set()
        global_names = (
            set(self.global_router.provider_names) if self.global_router is not None else set()
        )
        items: list[ProviderStatus] = []
        for name in PROVIDERS:
            router: LLMRouter | None = None
            if name in own and entry is not None:
                source, router = RouteSource.OWN, entry.router
            elif not own and name in global_names:
                source, router = RouteSource.BOT, self.global_router
            else:
                source = RouteSource.NONE
            health = router.health.snapshot(name) if router is not None else None
            items.append(ProviderStatus(name, source, name in stored, health))
        route = (
            Route(entry.router, RouteSource.OWN, guild_id)
            if entry is not None and entry.router is not None
            else self._fallback(guild_id)
        )
        spent = await self._budget.spent(guild_id) if self._budget is not None else 0
        limit = self._budget.limit(guild_id) if self._budget is not None else None
        own_tokens = None
        if self._usage is not None and route.source is RouteSource.OWN and route.usage_label:
            own_tokens = await self._usage.tokens_today(route.usage_label)
        if entry is not None:
            unreadable = entry.undecryptable
        elif self.vault is None:
            # No master key: every stored key is unreadable.
            unreadable = tuple(p for p in PROVIDERS if p in stored)
        else:
            unreadable = ()
        return GuildStatus(
            guild_id=guild_id,
            byok_enabled=self.byok_enabled,
            source=route.source,
            providers=tuple(items),
            tokens_today=spent,
            daily_budget=limit,
            undecryptable=unreadable,
            own_tokens_today=own_tokens,
        )

    async def aclose(self) -> None:
        """Close every server router's providers (the bot's router is closed by its owner)."""
        for task in list(self._telling):
            task.cancel()
        async with self._lock:
            for guild_id in list(self._entries):
                await self._retire(guild_id)


MASTER_KEY_HELP = (
    'Generate a master key with `python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"`, put `MOCKINGBIRD_MASTER_KEY=<that value>` in '
    "the bot's `.env`, and restart the bot. Keep it safe: stored server keys cannot be read "
    "without it."
)


def master_vault(value: str | None, redactor: SecretRedactor | None = None) -> KeyVault | None:
    """Return the vault for a ``MOCKINGBIRD_MASTER_KEY`` value, or None when it is unset."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return KeyVault(value, redactor)
    except KeyVaultError:
        raise ConfigError(
            f"{MASTER_KEY_ENV} is set but is not a valid Fernet key. {MASTER_KEY_HELP}"
        ) from None
