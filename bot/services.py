"""Build every service once and hand them to the entry points."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.catalog.bank import QuestionBank
from bot.coaching.grading import Evaluator
from bot.coaching.offline_evaluator import OfflineEvaluator
from bot.coaching.rubric import Rubric
from bot.config import Settings
from bot.interview.engine import InterviewEngine
from bot.interview.ports import Clock
from bot.llm.evaluator import LLMEvaluator
from bot.llm.guild_routing import (
    ANTHROPIC,
    OPENAI,
    GuildRouting,
    master_vault,
    provider_factory,
)
from bot.llm.health import HealthTracker
from bot.llm.keys import SecretRedactor, install_redaction
from bot.llm.prompts import PromptRegistry
from bot.llm.router import LLMRouter
from bot.speech.audio import AudioLimits
from bot.speech.stt import OpenAITranscriber, SpeechToText, WhisperSTT
from bot.speech.tts import TextToSpeech, build_tts
from storage.db import Database
from storage.llm_usage import SqliteBudget, SqliteGuildKeys, SqliteUsageSink, SqliteUsageTotals
from storage.sessions import SqliteSessionStore

log = logging.getLogger(__name__)


def build_speech(settings: Settings) -> tuple[SpeechToText, TextToSpeech, AudioLimits]:
    """Return the recognizer, the synthesizer and the audio limits from settings."""
    sp = settings.speech
    openai_key = settings.llm.openai_key
    stt: SpeechToText
    if sp.stt_backend == "openai" and openai_key:
        stt = OpenAITranscriber(api_key=openai_key, model=sp.openai_transcribe_model)
    else:
        # The model loads on first use, so start-up stays fast and text-only servers never pay.
        stt = WhisperSTT(
            sp.whisper_model, compute_type=sp.whisper_compute_type, cpu_threads=sp.whisper_threads
        )
    voices = {k: v for k, v in (("en", sp.tts_voice_en), ("ko", sp.tts_voice_ko)) if v}
    tts = build_tts(
        sp.tts_engine,
        language_voices=voices or None,
        openai_api_key=openai_key,
    )
    limits = AudioLimits(
        max_seconds=float(sp.max_audio_seconds), max_bytes=sp.max_audio_megabytes * 1024 * 1024
    )
    return stt, tts, limits


@dataclass(frozen=True, slots=True)
class LLMServices:
    """The evaluator the engine uses and the per-server routing the admin commands manage."""

    evaluator: Evaluator
    routing: GuildRouting


def build_llm_services(settings: Settings, db: Database, rubric: Rubric) -> LLMServices:
    """Build the bot's router, per-server routing and the evaluator (offline when neither)."""
    llm = settings.llm
    sink = SqliteUsageSink(db)
    factory = provider_factory(llm)
    providers = [
        factory(name, key)
        for name, key in ((OPENAI, llm.openai_key), (ANTHROPIC, llm.anthropic_key))
        if key
    ]
    global_router = (
        LLMRouter(providers, health=HealthTracker(), usage_sink=sink) if providers else None
    )
    # Mask the bot's own keys and every server key the vault sees in whatever is logged,
    # tracebacks included.
    token = settings.discord.discord_token
    discord_token = token.get_secret_value() if token is not None else None
    redactor = SecretRedactor(
        key for key in (llm.openai_key, llm.anthropic_key, llm.master_key, discord_token) if key
    )
    vault = master_vault(llm.master_key, redactor)
    install_redaction(redactor)
    budget = SqliteBudget(db, llm.llm_daily_token_budget)
    if vault is None:
        log.info("MOCKINGBIRD_MASTER_KEY is not set: servers cannot bring their own model keys")
    # The key store is wired even without a vault so an admin can still delete a stored key.
    routing = GuildRouting(
        SqliteGuildKeys(db),
        vault,
        factory,
        global_router=global_router,
        usage_sink=sink,
        budget=budget,
        usage=SqliteUsageTotals(db),
    )
    evaluator: Evaluator
    if global_router is None and vault is None:
        log.info("No model key and no master key configured: using the offline coach")
        evaluator = OfflineEvaluator(rubric)
    else:
        if global_router is not None:
            log.info("LLM coaching with %s", ", ".join(global_router.provider_names))
        registry = PromptRegistry.load(settings.interview.prompts_path / "llm")
        evaluator = LLMEvaluator(routing, registry, rubric, budget=budget)
    return LLMServices(evaluator, routing)


def build_evaluator(settings: Settings, db: Database, rubric: Rubric) -> Evaluator:
    """Return the evaluator alone, for terminal commands that serve no server."""
    return build_llm_services(settings, db, rubric).evaluator


@dataclass
class Services:
    """Everything the entry points need, built once."""

    settings: Settings
    db: Database
    bank: QuestionBank
    rubric: Rubric
    engine: InterviewEngine
    stt: SpeechToText
    tts: TextToSpeech
    audio_limits: AudioLimits
    routing: GuildRouting

    async def close(self) -> None:
        """Close per-server model clients, then the database."""
        await self.routing.aclose()
        await self.db.close()


async def build_services(
    settings: Settings, database_path: Path | str | None = None, clock: Clock | None = None
) -> Services:
    """Open the database, load the banks and wire the engine."""
    prompts = settings.interview.prompts_path
    bank = QuestionBank.load(prompts)
    rubric = Rubric.load(prompts)
    db = await Database(database_path or settings.storage.database_path).open()
    store = SqliteSessionStore(db)
    cutoff = datetime.now(UTC) - timedelta(days=settings.storage.retention_days)
    if pruned := await store.prune(cutoff):
        log.info("Deleted %d sessions older than %d days", pruned, settings.storage.retention_days)
    llm = build_llm_services(settings, db, rubric)
    engine = InterviewEngine(store, bank, llm.evaluator, clock)
    stt, tts, limits = build_speech(settings)
    return Services(
        settings=settings,
        db=db,
        bank=bank,
        rubric=rubric,
        engine=engine,
        stt=stt,
        tts=tts,
        audio_limits=limits,
        routing=llm.routing,
    )
