"""Per-server keys: encrypted storage, routing by guild, rebuilds, fallbacks, no key leaks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalog import Language, Level
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.offline_evaluator import OfflineEvaluator
from bot.coaching.rubric import Rubric
from bot.config import LLMSettings, Settings
from bot.errors import ConfigError
from bot.llm import KeyVault, KeyVaultError, LLMRequest, LLMRouter, PromptRegistry, RetryPolicy
from bot.llm.evaluator import LLMEvaluator
from bot.llm.guild_routing import (
    ANTHROPIC,
    OPENAI,
    GuildRouting,
    KeyCheck,
    KeyShapeError,
    RouteSource,
    master_vault,
    provider_factory,
    validate_key_shape,
)
from bot.llm.types import LLMCall, LLMProvider
from storage.db import Database
from storage.llm_usage import SqliteBudget, SqliteGuildKeys, SqliteUsageSink, SqliteUsageTotals
from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.llm.helpers import (
    BEHAVIORAL,
    OPENAI_KEY,
    PROMPTS,
    STORY,
    ListSink,
    OpenAIFactory,
    reply,
    scripted,
)

log = logging.getLogger(__name__)

GUILD_A = 1001
GUILD_B = 2002
OWN_OPENAI = "sk-proj-guildA-own-openai-key-0123456789wxyz"
OWN_OPENAI_2 = "sk-proj-guildA-second-openai-key-98765abcd"
OWN_ANTHROPIC = "sk-ant-api03-guildA-own-anthropic-key-5678qrst"
SECRETS = (OWN_OPENAI, OWN_OPENAI_2, OWN_ANTHROPIC, OPENAI_KEY)


class SpyProvider:
    """Wrap a real provider and remember whether it was closed."""

    def __init__(self, inner: LLMProvider) -> None:
        self.inner = inner
        self.closed = False

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def model(self) -> str:
        return self.inner.model

    def stream(self, request: LLMRequest) -> LLMCall:
        return self.inner.stream(request)

    async def aclose(self) -> None:
        self.closed = True
        aclose = getattr(self.inner, "aclose", None)
        if aclose is not None:
            await aclose()


class Built:
    """A provider factory pointed at the fake that keeps what it built."""

    def __init__(self, fake: FakeLLMServer) -> None:
        settings = LLMSettings(_env_file=None, llm_timeout_seconds=5)  # type: ignore[call-arg]
        self._make = provider_factory(
            settings,
            base_urls={OPENAI: fake.openai_base_url, ANTHROPIC: fake.anthropic_base_url},
        )
        self.providers: list[SpyProvider] = []

    def __call__(self, provider: str, api_key: str) -> LLMProvider:
        spy = SpyProvider(self._make(provider, api_key))
        self.providers.append(spy)
        return spy


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "g.sqlite3").open()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def vault() -> KeyVault:
    return KeyVault(KeyVault.generate_master_key())


@pytest.fixture
def built(fake_llm: FakeLLMServer) -> Built:
    return Built(fake_llm)


@pytest.fixture
def global_router(make_openai: OpenAIFactory, sink: ListSink) -> LLMRouter:
    return LLMRouter([make_openai()], retry=RetryPolicy(max_rounds=1), usage_sink=sink)


@pytest.fixture
async def routing(
    db: Database, vault: KeyVault, built: Built, global_router: LLMRouter, sink: ListSink
) -> AsyncIterator[GuildRouting]:
    r = GuildRouting(
        SqliteGuildKeys(db),
        vault,
        built,
        global_router=global_router,
        usage_sink=sink,
        retry=RetryPolicy(max_rounds=1),
        check_timeout_s=5,
    )
    try:
        yield r
    finally:
        await r.aclose()


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return Rubric.load(PROMPTS)


def evaluator_on(routing: GuildRouting, rubric: Rubric, **kw: object) -> LLMEvaluator:
    return LLMEvaluator(routing, PromptRegistry.load(), rubric, **kw)  # type: ignore[arg-type]


def sent_key(headers: dict[str, str]) -> str:
    """Return the API key a request carried (x-api-key or a bearer token)."""
    return headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")


def auth_headers(fake: FakeLLMServer) -> list[str]:
    return [f"Bearer {sent_key(r.headers)}" for r in fake.requests]


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
        assert secret[-8:] not in text


# ---- storage -------------------------------------------------------------------------


async def test_stored_key_is_ciphertext_that_only_the_master_key_opens(
    routing: GuildRouting, db: Database, vault: KeyVault
) -> None:
    await routing.set_key(GUILD_A, OPENAI, f"  {OWN_OPENAI} ")
    token = await SqliteGuildKeys(db).load(GUILD_A, OPENAI)
    assert token is not None and token != OWN_OPENAI
    assert OWN_OPENAI not in token and OWN_OPENAI[-12:] not in token
    assert vault.decrypt(token) == OWN_OPENAI
    with pytest.raises(KeyVaultError) as err:
        KeyVault(KeyVault.generate_master_key()).decrypt(token)
    assert_no_secret(str(err.value))


async def test_bad_key_shapes_are_refused_before_storing(
    routing: GuildRouting, db: Database
) -> None:
    for provider, key in [
        (OPENAI, "hello"),
        (OPENAI, "pk-1234567890abcdefghijklmn"),
        (OPENAI, OWN_ANTHROPIC),
        (ANTHROPIC, OWN_OPENAI),
        (OPENAI, "sk-has a space-1234567890abcd"),
    ]:
        with pytest.raises(KeyShapeError) as err:
            await routing.set_key(GUILD_A, provider, key)
        assert key not in str(err.value)
    assert await SqliteGuildKeys(db).load_all(GUILD_A) == {}
    assert validate_key_shape(ANTHROPIC, OWN_ANTHROPIC) == OWN_ANTHROPIC


def context(guild_id: int | None = None) -> GradingContext:
    """Return a mid-level English grading for a server (None: DMs)."""
    return GradingContext(level=Level.MID, language=Language.EN, guild_id=guild_id)


# ---- routing ---------------------------------------------------------------------------


async def test_own_key_routes_to_that_key_and_other_guilds_use_the_bots(
    fake_llm: FakeLLMServer, routing: GuildRouting, rubric: Rubric, sink: ListSink
) -> None:
    fake_llm.openai.default = Behaviour(text=scripted(reply()))
    await routing.set_key(GUILD_A, OPENAI, OWN_OPENAI)
    evaluator = evaluator_on(routing, rubric)
    own = await evaluator.evaluate(Answer(STORY), BEHAVIORAL, context(guild_id=GUILD_A))
    bots = await evaluator.evaluate(Answer(STORY), BEHAVIORAL, context(guild_id=GUILD_B))
    assert own.source == "llm" and bots.source == "llm"
    assert auth_headers(fake_llm) == [f"Bearer {OWN_OPENAI}", f"Bearer {OPENAI_KEY}"]
    assert [r.key for r in sink.records] == [f"guild:{GUILD_A}:own", f"guild:{GUILD_B}"]


async def test_usage_rows_carry_the_guilds_provider_and_never_the_key(
    fake_llm: FakeLLMServer,
    db: Database,
    vault: KeyVault,
    built: Built,
    global_router: LLMRouter,
    rubric: Rubric,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    routing = GuildRouting(
        SqliteGuildKeys(db),
        vault,
        built,
        global_router=global_router,
        usage_sink=SqliteUsageSink(db),
        usage=SqliteUsageTotals(db),
        retry=RetryPolicy(max_rounds=1),
    )
    fake_llm.anthropic.default = Behaviour(text=scripted(reply()))
    await routing.set_key(GUILD_A, ANTHROPIC, OWN_ANTHROPIC)
    ev = await evaluator_on(routing, rubric).evaluate(
        Answer(STORY), BEHAVIORAL, context(guild_id=GUILD_A)
    )
    status = await routing.status(GUILD_A)
    assert ev.provenance is not None
    tokens = ev.provenance.input_tokens + ev.provenance.output_tokens
    assert status.own_tokens_today == tokens > 0
    assert (await routing.status(GUILD_B)).own_tokens_today is None
    await routing.aclose()
    assert ev.provenance.provider == ANTHROPIC
    assert sent_key(fake_llm.requests_for("anthropic")[0].headers) == OWN_ANTHROPIC
    assert fake_llm.requests_for("openai") == []  # the bot's key was not touched
    async with db.conn.execute("SELECT * FROM llm_calls") as cur:
        rows = [tuple(r) for r in await cur.fetchall()]
    assert len(rows) == 1
    assert ANTHROPIC in rows[0] and f"guild:{GUILD_A}:own" in rows[0]
    assert_no_secret(repr(rows))
    assert_no_secret(repr(ev))
    assert_no_secret(caplog.text)


async def test_changed_key_rebuilds_the_router_and_closes_the_old_one_after_use(
    fake_llm: FakeLLMServer, routing: GuildRouting, built: Built, rubric: Rubric
) -> None:
    fake_llm.openai.default = Behaviour(text=scripted(reply()))
    await routing.set_key(GUILD_A, OPENAI, OWN_OPENAI)
    async with routing.use(GUILD_A) as first:
        assert first.source is RouteSource.OWN
        old = built.providers[-1]
        # A key stored while a call is in flight must not break that call.
        await routing.set_key(GUILD_A, OPENAI, OWN_OPENAI_2)
        assert not old.closed
    assert old.closed
    async with routing.use(GUILD_A) as again:
        assert again.router is not first.router
    async with routing.use(GUILD_A) as cached:
        assert cached.router is again.router  # unchanged keys reuse the cached router
    await evaluator_on(routing, rubric).evaluate(
        Answer(STORY), BEHAVIORAL, context(guild_id=GUILD_A)
    )
    assert auth_headers(fake_llm) == [f"Bearer {OWN_OPENAI_2}"]
    assert await routing.remove_key(GUILD_A, OPENAI) is True
    assert built.providers[-1].closed
    assert (await routing.route_for(GUILD_A)).source is RouteSource.BOT
    assert await routing.remove_key(GUILD_A, OPENAI) is False


async def test_wrong_master_key_warns_without_key_material_and_uses_the_bots_router(
    fake_llm: FakeLLMServer,
    db: Database,
    vault: KeyVault,
    built: Built,
    global_router: LLMRouter,
    rubric: Rubric,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await SqliteGuildKeys(db).store(GUILD_A, OPENAI, vault.encrypt(OWN_OPENAI))
    other = KeyVault(KeyVault.generate_master_key())
    routing = GuildRouting(SqliteGuildKeys(db), other, built, global_router=global_router)
    fake_llm.openai.default = Behaviour(text=scripted(reply()))
    evaluator = evaluator_on(routing, rubric)
    for _ in range(2):
        ev = await evaluator.evaluate(Answer(STORY), BEHAVIORAL, context(guild_id=GUILD_A))
        assert ev.source == "llm"
    assert auth_headers(fake_llm) == [f"Bearer {OPENAI_KEY}"] * 2
    warnings = [r for r in caplog.records if "cannot be decrypted" in r.getMessage()]
    assert len(warnings) == 1 and str(GUILD_A) in warnings[0].getMessage()
    status = await routing.status(GUILD_A)
    assert status.undecryptable == (OPENAI,) and status.source is RouteSource.BOT
    assert_no_secret(caplog.text)


async def test_no_router_anywhere_gives_plain_offline_feedback(
    db: Database, vault: KeyVault, built: Built, rubric: Rubric
) -> None:
    routing = GuildRouting(SqliteGuildKeys(db), vault, built, global_router=None)
    ev = await evaluator_on(routing, rubric).evaluate(
        Answer(STORY), BEHAVIORAL, context(guild_id=GUILD_B)
    )
    offline = rubric.evaluate(Answer(STORY), BEHAVIORAL, Level.MID, Language.EN)
    assert ev == offline
    assert ev.source == "offline"
    assert ev.fallback is None
    assert (
        await evaluator_on(routing, rubric).follow_up(Answer(STORY), BEHAVIORAL, context()) is None
    )


async def test_budget_limits_the_bots_key_but_not_a_servers_own(
    fake_llm: FakeLLMServer, routing: GuildRouting, db: Database, rubric: Rubric
) -> None:
    budget = SqliteBudget(db, daily_tokens=100)
    await budget.spend(GUILD_A, 100)
    await budget.spend(GUILD_B, 100)
    await routing.set_key(GUILD_A, OPENAI, OWN_OPENAI)
    fake_llm.openai.default = Behaviour(text=scripted(reply()))
    evaluator = evaluator_on(
        routing, rubric, budget=budget, now=lambda: datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
    )
    own = await evaluator.evaluate(Answer(STORY), BEHAVIORAL, context(guild_id=GUILD_A))
    bots = await evaluator.evaluate(Answer(STORY), BEHAVIORAL, context(guild_id=GUILD_B))
    assert own.source == "llm"
    assert bots.source == "offline" and bots.budget_exhausted
    assert bots.fallback is not None and "1 h 30 min" in bots.fallback.note
    assert await budget.spent(GUILD_A) == 100  # own-key tokens are not charged to the bot
    assert auth_headers(fake_llm) == [f"Bearer {OWN_OPENAI}"]


async def test_provider_echoing_the_key_never_reaches_logs_or_results(
    fake_llm: FakeLLMServer,
    routing: GuildRouting,
    rubric: Rubric,
    sink: ListSink,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_llm.openai.default = Behaviour(status=401, echo_key=True)
    await routing.set_key(GUILD_A, OPENAI, OWN_OPENAI)
    ev = await evaluator_on(routing, rubric).evaluate(
        Answer(STORY), BEHAVIORAL, context(guild_id=GUILD_A)
    )
    assert ev.source == "offline" and ev.model_missing
    assert fake_llm.requests_for("openai")[0].headers["authorization"] == f"Bearer {OWN_OPENAI}"
    assert_no_secret(caplog.text)
    assert_no_secret(repr(ev))
    assert_no_secret(repr(sink.records))


# ---- key check -------------------------------------------------------------------------


async def test_key_check_tells_ok_rejected_and_unreachable(
    fake_llm: FakeLLMServer, routing: GuildRouting, built: Built, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_llm.openai.push(
        Behaviour(text="OK"), Behaviour(status=401, echo_key=True), Behaviour(status=503)
    )
    assert await routing.check_key(OPENAI, OWN_OPENAI) is KeyCheck.OK
    assert await routing.check_key(OPENAI, OWN_OPENAI) is KeyCheck.REJECTED
    assert await routing.check_key(OPENAI, OWN_OPENAI) is KeyCheck.UNVERIFIED
    body = fake_llm.requests_for("openai")[0].body
    assert body["max_completion_tokens"] == 1
    assert all(p.closed for p in built.providers)
    await fake_llm.stop()
    assert await routing.check_key(ANTHROPIC, OWN_ANTHROPIC) is KeyCheck.UNVERIFIED
    assert_no_secret(caplog.text)


# ---- status and wiring -----------------------------------------------------------------


async def test_status_shows_own_bot_and_offline(
    routing: GuildRouting, db: Database, vault: KeyVault, built: Built
) -> None:
    await routing.set_key(GUILD_A, ANTHROPIC, OWN_ANTHROPIC)
    st = await routing.status(GUILD_A)
    assert st.source is RouteSource.OWN and st.byok_enabled
    by_name = {p.provider: p for p in st.providers}
    assert by_name[ANTHROPIC].source is RouteSource.OWN and by_name[ANTHROPIC].stored
    assert by_name[OPENAI].source is RouteSource.NONE
    other = await routing.status(GUILD_B)
    assert other.source is RouteSource.BOT
    assert {p.provider: p.source for p in other.providers} == {
        OPENAI: RouteSource.BOT,
        ANTHROPIC: RouteSource.NONE,
    }
    bare = GuildRouting(SqliteGuildKeys(db), None, built)
    st = await bare.status(GUILD_B)
    assert st.source is RouteSource.NONE and not st.byok_enabled


def test_master_vault_from_env() -> None:
    assert master_vault(None) is None
    assert master_vault("  ") is None
    with pytest.raises(ConfigError, match="MOCKINGBIRD_MASTER_KEY") as err:
        master_vault("not-a-fernet-key")
    assert "not-a-fernet-key" not in err.value.user_message
    key = KeyVault.generate_master_key()
    vault = master_vault(key)
    assert vault is not None and vault.decrypt(vault.encrypt(OWN_OPENAI)) == OWN_OPENAI


@pytest.mark.parametrize(
    ("master", "expected"),
    [(False, OfflineEvaluator), (True, LLMEvaluator)],
    ids=["nothing-configured", "master-key-only"],
)
async def test_build_llm_services_needs_no_env_key_when_servers_may_bring_one(
    monkeypatch: pytest.MonkeyPatch,
    db: Database,
    rubric: Rubric,
    master: bool,
    expected: type,
) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    if master:
        monkeypatch.setenv("MOCKINGBIRD_MASTER_KEY", KeyVault.generate_master_key())
    from bot.bootstrap import build_llm_services

    services = build_llm_services(Settings(env_file=None), db, rubric)
    assert isinstance(services.evaluator, expected)
    assert services.routing.byok_enabled is master
    assert services.routing.global_router is None
    await services.routing.aclose()
