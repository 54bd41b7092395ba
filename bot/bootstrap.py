"""The composition root: build every service once, wire the bot, run the start-up steps.

Nothing here has a side effect besides opening the database (which applies pending
migrations): retention pruning and budget pruning are explicit start-up steps
(``start_up``), run by the entry points that want them. ``create_bot`` builds the Discord
side (voice connector, rounds, privacy, cogs) on the same services.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.catalog.bank import QuestionBank
from bot.coaching.grading import Evaluator
from bot.coaching.offline_evaluator import OfflineEvaluator
from bot.coaching.rubric import Rubric
from bot.config import STT_NEEDS_OPENAI_KEY, Settings
from bot.discord_app import MockingbirdBot, new_bot
from bot.documents import PdfReader
from bot.errors import ConfigError
from bot.guilds import BotDefaults, GuildSettingsService, ServerQuestions
from bot.guilds.questions import load_schema
from bot.interview.desk import InterviewDesk
from bot.interview.engine import InterviewEngine, SystemClock
from bot.interview.inbox import AnswerInbox
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
from bot.llm.negotiator import ModelRecruiterVoice
from bot.llm.profiler import ModelProfileReader
from bot.llm.prompts import PromptRegistry
from bot.llm.router import LLMRouter
from bot.negotiation import CurrencyTable, NegotiationService
from bot.negotiation.skills import SkillGraphFeed
from bot.privacy import PrivacyService
from bot.profile import JobMemory, Memories, ProfileService
from bot.progress import DrillService, ProgressService, SkillCatalogue
from bot.reports import ProgressCharts, ReportService, ReportWorker
from bot.rounds.history import RoundHistory
from bot.rounds.scheduling import ScheduleService
from bot.speech.audio import AudioLimits
from bot.speech.models import hub_cache
from bot.speech.stt import OpenAITranscriber, SpeechToText, WhisperSTT
from bot.speech.tts import TextToSpeech, build_tts
from bot.stories import CompetencySet, StoryReader, StoryService
from bot.voice.coach import VoiceCoach
from bot.voice.discord_link import DiscordVoiceConnector
from cogs._cooldown import INTERVIEW, NO_COOLDOWNS, REPORT, VOICE, Cooldowns
from cogs.admin import AdminCog, UnreadableKeysNotice
from cogs.help import HelpCog
from cogs.interview import InterviewCog
from cogs.interview._audio import SpeechServices
from cogs.negotiate import NegotiateCog
from cogs.privacy import PrivacyCog
from cogs.profile import ProfileCog
from cogs.progress import ProgressCog
from cogs.rounds import RoundDesk, TextRoundsCog
from cogs.schedule import DiscordAnnouncer, DiscordCalendar, DiscordRoundStarter, ScheduleCog
from cogs.settings import QuestionsCog, SettingsCog
from cogs.stories import StoriesCog
from cogs.voice import VoiceCog
from storage.db import Database
from storage.guild_settings import SqliteGuildRetention, SqliteGuildSettings
from storage.llm_usage import (
    GuildBudgets,
    SqliteBudget,
    SqliteGuildKeys,
    SqliteUsageSink,
    SqliteUsageTotals,
)
from storage.negotiations import SqliteNegotiationStore
from storage.privacy import SqlitePrivacyLookups, sqlite_privacy_registry
from storage.profiles import SqliteProfileStore
from storage.progress import SqliteProgressStore
from storage.questions_server import SqliteServerQuestions
from storage.round_history import SqliteRoundHistory
from storage.rounds import SqliteRoundStore
from storage.schedules import SqliteScheduleStore
from storage.sessions import SqliteSessionStore
from storage.stories import SqliteStoryStore

log = logging.getLogger(__name__)


def build_speech(settings: Settings) -> tuple[SpeechToText, TextToSpeech, AudioLimits]:
    """Return the recognizer, the synthesizer and the audio limits from settings."""
    sp = settings.speech
    openai_key = settings.llm.openai_key
    base_url = settings.llm.openai_base_url
    stt: SpeechToText
    if sp.stt_backend == "openai" and not openai_key:
        raise ConfigError(STT_NEEDS_OPENAI_KEY)  # never fall back to a local model silently
    if sp.stt_backend == "openai" and openai_key:
        stt = OpenAITranscriber(
            api_key=openai_key, base_url=base_url, model=sp.openai_transcribe_model
        )
    else:
        # The model loads on first use, so start-up stays fast and text-only servers never pay.
        # The cache folder is passed explicitly: HF_HOME from `.env` counts too.
        stt = WhisperSTT(
            sp.whisper_model,
            compute_type=sp.whisper_compute_type,
            cpu_threads=sp.whisper_threads,
            download_root=str(hub_cache(sp.hf_home)),
        )
    voices = {k: v for k, v in (("en", sp.tts_voice_en), ("ko", sp.tts_voice_ko)) if v}
    tts = build_tts(
        sp.tts_engine,
        language_voices=voices or None,
        openai_api_key=openai_key,
        openai_base_url=base_url,
    )
    limits = AudioLimits(
        max_seconds=float(sp.max_audio_seconds), max_bytes=sp.max_audio_megabytes * 1024 * 1024
    )
    return stt, tts, limits


@dataclass(frozen=True, slots=True)
class LLMServices:
    """The evaluator the engine uses, the per-server routing the admin commands manage, and
    the daily token budget (pruned at start-up)."""

    evaluator: Evaluator
    routing: GuildRouting
    budget: SqliteBudget


def build_llm_services(
    settings: Settings,
    db: Database,
    rubric: Rubric,
    per_guild: GuildBudgets | None = None,
    *,
    server_keys: bool = True,
) -> LLMServices:
    """Build the bot's router, per-server routing and the evaluator (offline when neither).

    ``per_guild`` gives servers' own (lower) daily budgets; the bot's is every one's default.
    ``server_keys`` False (terminal commands, which serve no server) leaves out servers' own
    keys, so MOCKINGBIRD_MASTER_KEY is neither needed nor checked.
    """
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
    vault = master_vault(llm.master_key, redactor) if server_keys else None
    install_redaction(redactor)
    budget = SqliteBudget(db, llm.llm_daily_token_budget, per_guild=per_guild)
    if vault is None and server_keys:
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
        evaluator = LLMEvaluator(
            routing, registry, rubric, budget=budget, deadline_s=llm.llm_grading_deadline_seconds
        )
    return LLMServices(evaluator, routing, budget)


def build_evaluator(settings: Settings, db: Database, rubric: Rubric) -> Evaluator:
    """Return the evaluator alone, for terminal commands that serve no server."""
    return build_llm_services(settings, db, rubric, server_keys=False).evaluator


@dataclass(frozen=True, slots=True)
class Learning:
    """What learns from every graded answer: the skill graph and memory, the story bank, and
    the worker process that draws their charts."""

    progress: ProgressService
    stories: StoryService
    progress_store: SqliteProgressStore
    story_store: SqliteStoryStore
    reports: ReportWorker


def build_learning(prompts: Path, db: Database, clock: Clock) -> Learning:
    """Load the skill and competency catalogues and build progress and the story bank."""
    competencies = CompetencySet.load(prompts)
    story_store = SqliteStoryStore(db)
    stories = StoryService(StoryReader.load(prompts, competencies), story_store, clock)
    progress_store = SqliteProgressStore(db)
    # The chart worker process starts on the first chart, not here.
    reports = ReportWorker()
    progress = ProgressService(
        SkillCatalogue.load(prompts),
        progress_store,
        clock,
        habit_sources=(stories,),
        coverage=stories,
        charts=ProgressCharts(reports),
    )
    return Learning(progress, stories, progress_store, story_store, reports)


@dataclass(frozen=True, slots=True)
class Guilds:
    """Per-server settings and question sets (read through caches ``start_up`` fills)."""

    settings: GuildSettingsService
    questions: ServerQuestions


def build_guilds(settings: Settings, db: Database, bank: QuestionBank) -> Guilds:
    """Build server settings (the bot's settings are their defaults) and server questions."""
    defaults = BotDefaults(
        speak_questions=settings.speech.speak_questions,
        daily_token_budget=settings.llm.llm_daily_token_budget,
        retention_days=settings.storage.retention_days,
    )
    questions = ServerQuestions(
        SqliteServerQuestions(db),
        load_schema(settings.interview.prompts_path),
        bank_ids=frozenset(q.id for q in bank),
    )
    return Guilds(GuildSettingsService(SqliteGuildSettings(db), defaults), questions)


@dataclass
class Services:
    """Everything the entry points need, built once."""

    settings: Settings
    db: Database
    bank: QuestionBank
    rubric: Rubric
    sessions: SqliteSessionStore
    engine: InterviewEngine
    inbox: AnswerInbox
    desk: InterviewDesk
    stt: SpeechToText
    tts: TextToSpeech
    audio_limits: AudioLimits
    routing: GuildRouting
    budget: SqliteBudget
    # Skill graph, memory, story bank (observers of the engine) and drills on the engine.
    learning: Learning
    drills: DrillService
    # Per-user cooldowns on the expensive commands (interview start, voice, reports).
    cooldowns: Cooldowns = NO_COOLDOWNS
    # PDF reports and personalised interviews (resume, job description).
    reports: ReportService | None = None
    profiles: ProfileService | None = None
    # Server settings and server question sets (moderators).
    guilds: Guilds | None = None

    async def close(self) -> None:
        """Close per-server model clients and the chart worker, then the database."""
        await self.routing.aclose()
        await self.learning.reports.aclose()
        await self.db.close()


@dataclass(frozen=True, slots=True)
class StartUp:
    """What the start-up steps did."""

    sessions_pruned: int
    budget_days_pruned: int
    # Progress and story rows past retention (skills, evidence, schedules, tellings).
    progress_pruned: int = 0
    # Salary negotiations past retention.
    negotiations_pruned: int = 0
    # Resumes, job descriptions and interview plans past retention.
    profiles_pruned: int = 0
    # Rows of servers that keep their data for less than the bot's retention.
    server_data_pruned: int = 0


async def build_services(
    settings: Settings,
    database_path: Path | str | None = None,
    clock: Clock | None = None,
    *,
    server_keys: bool = False,
) -> Services:
    """Check the settings, open the database, load the banks and wire the engine.

    Every settings problem is raised (one InvalidSettings) before the database file is
    created or migrated. ``server_keys``: the Discord bot lets servers bring their own model
    keys, which needs a valid MOCKINGBIRD_MASTER_KEY; terminal commands leave it False and
    never look at that key. Nothing is pruned here.
    """
    settings.check(master_key=server_keys)
    prompts = settings.interview.prompts_path
    bank = QuestionBank.load(prompts)
    rubric = Rubric.load(prompts)
    db = await Database(database_path or settings.storage.database_path).open()
    try:
        store = SqliteSessionStore(db)
        guilds = build_guilds(settings, db, bank)
        llm = build_llm_services(
            settings, db, rubric, per_guild=guilds.settings, server_keys=server_keys
        )
        learning = build_learning(prompts, db, clock or SystemClock())
        profile_store = SqliteProfileStore(db)
        job_memory = JobMemory(profile_store, learning.progress.catalogue)
        engine = InterviewEngine(
            store,
            bank,
            llm.evaluator,
            clock,
            observers=(learning.progress, learning.stories),
            # A grading model hears the candidate's habits and, when personalised, the job.
            memory=Memories((learning.progress, job_memory)),
            # A server's own questions join the bank's in that server.
            extra=guilds.questions,
        )
        drills = DrillService(
            engine,
            bank,
            learning.progress.catalogue,
            learning.progress_store,
            clock or SystemClock(),
        )
        profiles = ProfileService(
            profile_store,
            # Resumes are read in the report worker process, off the event loop.
            PdfReader(learning.reports),
            bank,
            learning.progress.catalogue,
            engine,
            clock or SystemClock(),
            model=build_profile_model(settings, llm, learning),
            memory=job_memory,
        )
        reports = ReportService(
            engine,
            learning.reports,
            progress=learning.progress,
            debriefs=SqliteNegotiationStore(db),
            currencies=CurrencyTable.load(prompts / "negotiation"),
            warm=learning.reports.prewarm,
        )
        stt, tts, limits = build_speech(settings)
    except BaseException:
        # An open connection's worker thread would keep the process alive after the error.
        await db.close()
        raise
    return Services(
        settings=settings,
        db=db,
        bank=bank,
        rubric=rubric,
        sessions=store,
        engine=engine,
        inbox=AnswerInbox(engine),
        desk=InterviewDesk(engine),
        stt=stt,
        tts=tts,
        audio_limits=limits,
        routing=llm.routing,
        budget=llm.budget,
        learning=learning,
        drills=drills,
        cooldowns=Cooldowns(
            {
                INTERVIEW: settings.interview.interview_start_cooldown_seconds,
                VOICE: settings.voice.voice_start_cooldown_seconds,
                REPORT: REPORT_COOLDOWN_SECONDS,
            }
        ),
        reports=reports,
        profiles=profiles,
        guilds=guilds,
    )


async def start_up(services: Services, now: datetime | None = None) -> StartUp:
    """Run the start-up steps: drop sessions past retention and old budget counts."""
    days = services.settings.storage.retention_days
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    pruned = await services.sessions.prune(cutoff)
    if pruned:
        log.info("Deleted %d sessions older than %d days", pruned, days)
    budget_days = await services.budget.prune()
    learned = await services.learning.progress_store.prune(cutoff)
    learned += await services.learning.story_store.prune(cutoff)
    negotiations = await SqliteNegotiationStore(services.db).prune(cutoff)
    profiles = await SqliteProfileStore(services.db).prune(cutoff)
    server_data = await _start_guilds(services, now or datetime.now(UTC))
    return StartUp(
        sessions_pruned=pruned,
        budget_days_pruned=budget_days,
        progress_pruned=learned,
        negotiations_pruned=negotiations,
        profiles_pruned=profiles,
        server_data_pruned=server_data,
    )


async def _start_guilds(services: Services, now: datetime) -> int:
    """Read server settings and questions into memory; prune servers with a shorter retention."""
    if services.guilds is None:
        return 0
    await services.guilds.settings.load()
    await services.guilds.questions.load()
    retention = SqliteGuildRetention(services.db)
    pruned = 0
    for guild_id, days in services.guilds.settings.shorter_retention():
        done = await retention.prune(guild_id, now - timedelta(days=days))
        if done:
            log.info("Deleted %d rows of guild %s older than its %d days", done, guild_id, days)
        pruned += done
    return pruned


# One report per user per this many seconds: each render is a second of a core.
REPORT_COOLDOWN_SECONDS = 20.0


def build_profile_model(
    settings: Settings, llm: LLMServices, learning: Learning
) -> ModelProfileReader | None:
    """Return the model that reads resumes and job descriptions and writes questions, when a
    key can serve it (the bot's own, or a server's)."""
    routing = llm.routing
    if routing.global_router is None and not routing.byok_enabled:
        return None
    registry = PromptRegistry.load(settings.interview.prompts_path / "llm")
    return ModelProfileReader(routing, registry, learning.progress.catalogue, budget=llm.budget)


def build_negotiations(services: Services) -> NegotiationService:
    """Build the salary negotiation service; the model voices the recruiter when a key can."""
    prompts = services.settings.interview.prompts_path
    routing = services.routing
    voice = None
    if routing.global_router is not None or routing.byok_enabled:
        registry = PromptRegistry.load(prompts / "llm")
        voice = ModelRecruiterVoice(routing, registry, budget=services.budget)
    currencies = CurrencyTable.load(prompts / "negotiation")
    return NegotiationService(
        SqliteNegotiationStore(services.db),
        currencies,
        voice=voice,
        skills=SkillGraphFeed(services.learning.progress),
    )


def add_moderation(
    bot: MockingbirdBot, services: Services, guilds: Guilds, coach: VoiceCoach, desk: RoundDesk
) -> None:
    """Add the moderators' cogs: settings (and the check every command passes), the server's
    questions, and scheduled rounds with their poller."""
    bot.add_cog(SettingsCog(bot, guilds.settings))
    bot.add_cog(QuestionsCog(bot, guilds.questions, guilds.settings))
    interview = services.settings.interview
    schedules = ScheduleService(
        SqliteScheduleStore(services.db),
        DiscordCalendar(bot),
        DiscordRoundStarter(bot, coach, desk),
        DiscordAnnouncer(bot),
        SystemClock(),
        grace=timedelta(minutes=interview.schedule_grace_minutes),
    )
    bot.add_cog(
        ScheduleCog(bot, schedules, guilds.settings, poll_seconds=interview.schedule_poll_seconds)
    )


def create_bot(services: Services) -> MockingbirdBot:
    """Return the bot with every cog added, wired to the services."""
    bot = new_bot(services.settings.discord.discord_guild_ids)
    guilds = services.guilds or build_guilds(services.settings, services.db, services.bank)
    speech = SpeechServices(
        stt=services.stt,
        tts=services.tts,
        limits=services.audio_limits,
        speak_questions=services.settings.speech.speak_questions,
        speaks_in=guilds.settings.speaks_questions,
    )
    bot.add_cog(
        InterviewCog(
            bot,
            services.engine,
            speech,
            inbox=services.inbox,
            desk=services.desk,
            cooldowns=services.cooldowns,
            reports=services.reports,
            profiles=services.profiles,
        )
    )
    if services.profiles is not None:
        bot.add_cog(ProfileCog(bot, services.profiles))
    bot.add_cog(AdminCog(bot, services.routing))
    # Servers whose own keys can no longer be read (master key changed) are told once.
    services.routing.on_unreadable = UnreadableKeysNotice(bot, services.routing)
    bot.add_cog(HelpCog(bot))
    voice = services.settings.voice
    connector = DiscordVoiceConnector(bot, stt=services.stt, tts=services.tts, settings=voice)
    coach = VoiceCoach(
        services.engine,
        connector,
        SqliteRoundStore(services.db),
        turn_timeout_s=voice.voice_answer_timeout_seconds,
        idle_timeout_s=voice.voice_idle_timeout_seconds,
    )
    # Text rounds share the voice rounds' service: one round per place, one privacy hook.
    history = RoundHistory(SqliteRoundHistory(services.db), SystemClock())
    round_desk = RoundDesk(coach.rounds, history, guilds.settings, speech)
    bot.add_cog(VoiceCog(bot, coach, cooldowns=services.cooldowns, rounds=round_desk))
    bot.add_cog(TextRoundsCog(bot, round_desk))
    bot.voice_coach = coach
    add_moderation(bot, services, guilds, coach, round_desk)
    # Privacy ends live work through the engine and the rounds, so it is built after them.
    privacy = PrivacyService(
        sqlite_privacy_registry(services.db),
        SqlitePrivacyLookups(services.db),
        services.engine,
        coach.rounds,
    )
    bot.add_cog(PrivacyCog(bot, privacy))
    bot.add_cog(ProgressCog(bot, services.learning.progress, services.drills, speech))
    bot.add_cog(StoriesCog(bot, services.learning.stories))
    bot.add_cog(NegotiateCog(bot, build_negotiations(services), speech))
    return bot
