"""Build every service once and hand them to the entry points."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.coaching.offline_evaluator import OfflineEvaluator
from bot.coaching.rubric import Rubric
from bot.config import Settings
from bot.interview.bank import QuestionBank
from bot.interview.engine import InterviewEngine
from bot.interview.ports import Clock, Evaluator
from bot.llm import CallTimeouts
from bot.llm.anthropic_provider import AnthropicProvider, AnthropicSettings
from bot.llm.evaluator import LLMEvaluator
from bot.llm.health import HealthTracker
from bot.llm.openai_provider import OpenAIProvider, OpenAISettings
from bot.llm.prompts import PromptRegistry
from bot.llm.router import LLMRouter
from bot.llm.types import LLMProvider
from bot.speech.audio import AudioLimits
from bot.speech.stt import OpenAITranscriber, SpeechToText, WhisperSTT
from bot.speech.tts import TextToSpeech, build_tts
from storage.db import Database
from storage.llm_usage import SqliteBudget, SqliteUsageSink
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


def build_evaluator(settings: Settings, db: Database, rubric: Rubric) -> Evaluator:
    """Return the LLM evaluator when a model key is set, else the offline rubric."""
    llm = settings.llm
    timeouts = CallTimeouts(total_s=llm.llm_timeout_seconds)
    providers: list[LLMProvider] = []
    if llm.openai_key:
        providers.append(
            OpenAIProvider(
                OpenAISettings(api_key=llm.openai_key, model=llm.openai_model, timeouts=timeouts)
            )
        )
    if llm.anthropic_key:
        providers.append(
            AnthropicProvider(
                AnthropicSettings(
                    api_key=llm.anthropic_key, model=llm.anthropic_model, timeouts=timeouts
                )
            )
        )
    if not providers:
        log.info("No model key configured: using the offline coach")
        return OfflineEvaluator(rubric)
    log.info("LLM coaching with %s", ", ".join(p.name for p in providers))
    router = LLMRouter(providers, health=HealthTracker(), usage_sink=SqliteUsageSink(db))
    registry = PromptRegistry.load(settings.interview.prompts_path / "llm")
    budget = SqliteBudget(db, llm.llm_daily_token_budget)
    return LLMEvaluator(router, registry, rubric, budget=budget)


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

    async def close(self) -> None:
        """Release the database."""
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
    engine = InterviewEngine(store, bank, build_evaluator(settings, db, rubric), clock)
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
    )
