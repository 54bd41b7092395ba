"""The profile service: read a resume and a job description, keep them once confirmed, and
start interviews personalised with them.

A resume is read in memory (``DocumentReader``), its facts extracted (a model when one can,
else the offline heuristics), and held for the candidate to confirm: only a confirmed resume
is stored, as text and structure, never the file. A job description goes the same way. A
personalised start plans its questions (``choose``), starts the interview with them through
the engine, and remembers the plan with the session; a grading model then hears what the
job needs (``JobMemory``, part of the engine's ``Memory``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.catalog import Language, Level
from bot.catalog.bank import QuestionBank
from bot.copy import text
from bot.errors import CoachError
from bot.interview.desk import Outcome
from bot.interview.engine import InterviewEngine, StartOptions
from bot.interview.events import Event, NoticeGiven
from bot.interview.ports import Clock
from bot.profile.choose import (
    Ask,
    as_question,
    bank_planned,
    interleave,
    model_questions,
    project_questions,
    rank_bank,
    template_count,
)
from bot.profile.job import read_job, split_title, stated_rank
from bot.profile.memory import JobMemory
from bot.profile.models import (
    JobDescription,
    JobFacts,
    Personalise,
    PersonalPlan,
    PlannedQuestion,
    Profile,
    Resume,
    ResumeFacts,
)
from bot.profile.ports import (
    DocumentProblem,
    DocumentReader,
    ProfileModel,
    ProfileStore,
    QuestionBrief,
)
from bot.profile.resume import read_resume
from bot.progress.catalogue import SkillCatalogue

log = logging.getLogger(__name__)

MAX_RESUME_BYTES = 5 * 1024 * 1024
MAX_RESUME_TEXT = 30_000
MAX_JOB_TEXT = 4_000
MAX_TITLE = 100
# What is read but not yet confirmed is held this long, for this many users at most.
PENDING_FOR = timedelta(minutes=30)
PENDING_LIMIT = 1024
RESUME = "resume"
JOB = "job"
PARTS = (RESUME, JOB)


@dataclass(frozen=True, slots=True)
class Read:
    """What was read and waits for the candidate's confirmation."""

    resume: Resume | None = None
    job: JobDescription | None = None


class ProfileService:
    """Resumes, job descriptions and personalised interviews."""

    def __init__(
        self,
        store: ProfileStore,
        reader: DocumentReader,
        bank: QuestionBank,
        catalogue: SkillCatalogue,
        engine: InterviewEngine,
        clock: Clock,
        *,
        model: ProfileModel | None = None,
        memory: JobMemory | None = None,
        max_bytes: int = MAX_RESUME_BYTES,
    ) -> None:
        self._store = store
        self._documents = reader
        self._bank = bank
        self.catalogue = catalogue
        self._engine = engine
        self._clock = clock
        self._model = model
        self.max_bytes = max_bytes
        # Tells a grading model what the job needs (the engine's memory reads it).
        self.memory = memory or JobMemory(store, catalogue)
        self._pending: dict[tuple[int, str], tuple[Resume | JobDescription, datetime]] = {}

    # ---- resume and job description ---------------------------------------------------

    async def read_resume(
        self,
        user_id: int,
        size: int,
        load: Callable[[], Awaitable[bytes]],
        language: Language,
        *,
        guild_id: int | None = None,
        name: str = "",
        hold: bool = True,
    ) -> Resume:
        """Read a resume PDF of ``size`` bytes (``load`` fetches it, only when small enough).

        The result waits for ``confirm``; ``hold=False`` reads without holding (terminal).
        """
        limit_mb = f"{self.max_bytes / 1_048_576:.0f}"
        if size > self.max_bytes:
            raise DocumentProblem(
                "too_large", language=language, size=f"{size / 1_048_576:.1f}", limit=limit_mb
            )
        data = await load()
        if len(data) > self.max_bytes:
            raise DocumentProblem(
                "too_large", language=language, size=f"{len(data) / 1_048_576:.1f}", limit=limit_mb
            )
        try:
            document = await self._documents.read_pdf(data)
        except DocumentProblem as exc:
            log.info("Resume of user %s refused: %s", user_id, exc.problem)
            raise DocumentProblem(exc.problem, language=language, **exc.params) from exc
        body = document.text[:MAX_RESUME_TEXT]
        facts = await self._resume_facts(body, language, user_id, guild_id)
        resume = Resume(body, facts, document.pages, language, self._clock.now(), name[:200])
        if hold:
            self._hold(user_id, RESUME, resume)
        log.info(
            "Read a resume of %d pages for user %s (%d roles, %d projects)",
            document.pages,
            user_id,
            len(facts.roles),
            len(facts.projects),
        )
        return resume

    async def read_job(
        self,
        user_id: int,
        title: str,
        company: str,
        body: str,
        language: Language,
        *,
        guild_id: int | None = None,
        hold: bool = True,
    ) -> JobDescription:
        """Analyse a pasted job description; the result waits for ``confirm``."""
        if not company.strip():
            # "Senior Backend Engineer at Initech", "시니어 백엔드 개발자 - 토스" in one field.
            title, company = split_title(title)
        title, company, body = title.strip()[:MAX_TITLE], company.strip()[:MAX_TITLE], body.strip()
        if not title or not body:
            raise CoachError(key="profile.job.empty", language=language)
        body = body[:MAX_JOB_TEXT]
        facts = await self._job_facts(title, company, body, language, user_id, guild_id)
        job = JobDescription(title, company, body, facts, language, self._clock.now())
        if hold:
            self._hold(user_id, JOB, job)
        log.info("Read a job description for user %s (%d focus skills)", user_id, len(facts.focus))
        return job

    async def confirm(self, user_id: int, part: str, language: Language) -> Read:
        """Keep what was read for the user (``part`` is "resume" or "job")."""
        held = self._take(user_id, part)
        if held is None:
            raise CoachError(key="profile.expired", language=language)
        if isinstance(held, Resume):
            await self._store.save_resume(user_id, held)
            return Read(resume=held)
        await self._store.save_job(user_id, held)
        return Read(job=held)

    def discard(self, user_id: int, part: str) -> bool:
        """Drop what was read and not confirmed; tell whether there was anything."""
        return self._take(user_id, part) is not None

    async def profile(self, user_id: int) -> Profile:
        """Return the user's stored resume and job description."""
        return await self._store.profile(user_id)

    async def clear(self, user_id: int) -> bool:
        """Forget the user's resume and job description (and anything waiting)."""
        for part in PARTS:
            self._pending.pop((user_id, part), None)
        return await self._store.clear(user_id)

    # ---- personalised interviews -----------------------------------------------------------

    async def start(
        self,
        options: StartOptions,
        mode: Personalise,
        open_channel: Callable[[], Awaitable[int | None]] | None = None,
        *,
        profile: Profile | None = None,
        level_chosen: bool = True,
    ) -> Outcome:
        """Start an interview whose questions are chosen for the user's resume and/or job
        (the stored profile, or ``profile`` when given: the terminal's files).

        ``level_chosen=False`` (the candidate gave no level) takes the job's seniority, when
        the job states one, instead of ``options.level``; the opening line says so.
        """
        if mode is Personalise.NONE or await self._engine.active_session(
            options.user_id, options.guild_id
        ):
            # A running interview is refused by the engine: no plan is made for nothing.
            session, events = await self._engine.start(options, open_channel=open_channel)
            return Outcome(session, events)
        profile = profile or await self._store.profile(options.user_id)
        job_level = None if level_chosen else job_seniority(profile, mode)
        if job_level is not None:
            options = replace(options, level=job_level)
        plan = await self.plan(options, mode, profile)
        session, events = await self._engine.start(
            personal_options(options, plan), open_channel=open_channel
        )
        assert session.id is not None
        plan = replace(plan, session_id=session.id, created_at=self._clock.now())
        self.memory.remember(session.id, plan)
        try:
            await self._store.save_plan(options.user_id, plan)
        except Exception:
            log.exception("Could not save the plan of session %s", session.id)
        note = self.note(plan, options.language, job_level=job_level)
        return Outcome(session, [note, *events])

    async def plan(
        self, options: StartOptions, mode: Personalise, profile: Profile | None = None
    ) -> PersonalPlan:
        """Return the questions of a personalised interview (the stored profile if None)."""
        lang = options.language
        profile = profile or await self._store.profile(options.user_id)
        resume = profile.resume.facts if mode.uses_resume and profile.resume else None
        job_entry = profile.job if mode.uses_job else None
        job = job_entry.facts if job_entry else None
        if resume is None and job is None:
            key = {
                Personalise.RESUME: "profile.start.no_resume",
                Personalise.JOB: "profile.start.no_job",
            }.get(mode, "profile.start.nothing")
            raise CoachError(key=key, language=lang)
        day = self._clock.now().date().isoformat()
        ask = Ask(options.kind, options.level, lang, options.count, f"{options.user_id}:{day}")
        pool = self._bank.questions(options.kind, lang)
        ranked = [bank_planned(q) for q in rank_bank(pool, ask, job, resume, self.catalogue)]
        written = await self._model_plan(ask, options, profile, mode, job)
        if written:
            taken = {q.id for q in written}
            questions = [*written, *(q for q in ranked if q.id not in taken)][: ask.count]
        else:
            own = project_questions(resume, ask, template_count(ask.count)) if resume else []
            questions = interleave(own, ranked, ask.count)
        return PersonalPlan(
            mode=mode,
            questions=tuple(questions),
            focus=job.focus if job else (),
            job_title=job_entry.title if job_entry else "",
            company=job_entry.company if job_entry else "",
        )

    def note(
        self, plan: PersonalPlan, language: Language, *, job_level: Level | None = None
    ) -> Event:
        """Return the line that opens a personalised interview: what it drew on (and the
        job's level, when the interview took it from the job)."""
        if plan.job_title and plan.mode.uses_resume:
            key = "profile.start.sources_both"
        elif plan.job_title:
            key = "profile.start.sources_job"
        else:
            key = "profile.start.sources_resume"
        sources = text(key, language, title=plan.job_title)
        written = sum(1 for q in plan.questions if q.source != "bank")
        focus = [s.name(language) for f in plan.focus[:3] if (s := self.catalogue.get(f))]
        return NoticeGiven(
            "profile.start.note",
            {
                "sources": sources,
                "written": written,
                "bank": len(plan.questions) - written,
                "questions": _count_text("profile.start.written", written, language)
                + _count_text("profile.start.bank", len(plan.questions) - written, language),
                "focus": text("profile.start.focus", language, skills=", ".join(focus))
                if focus
                else "",
                "level": text(
                    "profile.start.level_from_job",
                    language,
                    level=seniority_label(job_level, stated_rank(plan.job_title, ""), language),
                )
                if job_level is not None
                else "",
            },
        )

    # ---- internals --------------------------------------------------------------------------

    async def _resume_facts(
        self, body: str, language: Language, user_id: int, guild_id: int | None
    ) -> ResumeFacts:
        if self._model is not None:
            try:
                found = await self._model.read_resume(body, language, user_id, guild_id)
            except Exception:
                log.exception("The model could not read the resume of user %s", user_id)
                found = None
            if found is not None and not found.empty:
                return found
        return read_resume(body)

    async def _job_facts(
        self,
        title: str,
        company: str,
        body: str,
        language: Language,
        user_id: int,
        guild_id: int | None,
    ) -> JobFacts:
        offline = read_job(title, company, body, self.catalogue)
        if self._model is None:
            return offline
        try:
            found = await self._model.read_job(title, company, body, language, user_id, guild_id)
        except Exception:
            log.exception("The model could not read the job description of user %s", user_id)
            found = None
        if found is None:
            return offline
        # Only skills and tags the catalogue knows; the offline reading fills what is missing.
        focus = tuple(f for f in found.focus if f in self.catalogue) or offline.focus
        tags = tuple(t for t in found.tags if t in self.catalogue.mapped_tags()) or offline.tags
        return replace(
            found,
            focus=focus,
            tags=tags,
            seniority=found.seniority or offline.seniority,
            context=found.context or offline.context,
            rank=found.rank or offline.rank,
        )

    async def _model_plan(
        self,
        ask: Ask,
        options: StartOptions,
        profile: Profile,
        mode: Personalise,
        job: JobFacts | None,
    ) -> list[PlannedQuestion]:
        if self._model is None:
            return []
        brief = QuestionBrief(
            kind=ask.kind,
            level=ask.level,
            language=ask.language,
            count=ask.count,
            role=options.role or (profile.job.title if mode.uses_job and profile.job else ""),
            resume=profile.resume.text if mode.uses_resume and profile.resume else "",
            job=profile.job.text if mode.uses_job and profile.job else "",
            focus=job.focus if job else (),
            user_id=options.user_id,
            guild_id=options.guild_id,
        )
        try:
            written = await self._model.write_questions(brief)
        except Exception:
            log.exception("The model could not write questions for user %s", options.user_id)
            return []
        if not written:
            return []
        bank = self._bank.questions(ask.kind, ask.language)
        return model_questions(written, ask, bank, self.catalogue.mapped_tags())

    def _hold(self, user_id: int, part: str, value: Resume | JobDescription) -> None:
        now = self._clock.now()
        if len(self._pending) >= PENDING_LIMIT:
            self._pending = {k: v for k, v in self._pending.items() if now - v[1] < PENDING_FOR}
            if len(self._pending) >= PENDING_LIMIT:
                self._pending.pop(next(iter(self._pending)))
        self._pending[(user_id, part)] = (value, now)

    def _take(self, user_id: int, part: str) -> Resume | JobDescription | None:
        held = self._pending.pop((user_id, part), None)
        if held is None or self._clock.now() - held[1] > PENDING_FOR:
            return None
        return held[0]


def _count_text(key: str, count: int, language: Language) -> str:
    form = "one" if count == 1 else "other"
    return text(f"{key}.{form}", language, count=count)


def seniority_label(level: Level, rank: str, language: Language) -> str:
    """Return the level as shown back: "senior", or "staff (asked as senior)" for a rank above
    the levels, so a staff role is never silently called senior."""
    name = text(f"common.levels.{level.value}", language)
    if not rank or level is not Level.SENIOR:
        return name
    return text(
        "profile.fields.rank", language, rank=text(f"profile.ranks.{rank}", language), level=name
    )


def job_seniority(profile: Profile, mode: Personalise) -> Level | None:
    """Return the seniority of the job an interview is personalised with, if it states one."""
    if not mode.uses_job or profile.job is None:
        return None
    return profile.job.facts.seniority


def personal_options(options: StartOptions, plan: PersonalPlan) -> StartOptions:
    """Return the start options that ask the plan's questions, in order."""
    ask = Ask(options.kind, options.level, options.language, options.count)
    role = options.role
    if role is None and plan.job_title:
        role = f"{plan.job_title} ({plan.company})" if plan.company else plan.job_title
    return replace(
        options,
        question_ids=tuple(q.id for q in plan.questions),
        questions=tuple(as_question(q, ask) for q in plan.questions if q.source != "bank"),
        role=role,
    )
