"""What `/profile` shows: what was read (to keep or discard), the profile, and button ids."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.catalog import Language
from bot.copy import text
from bot.presenters import kind_name
from bot.profile import JobDescription, Profile, Resume, seniority_label
from bot.progress import SkillCatalogue
from cogs._buttons import parse_id
from cogs._shared import persistent_view

log = logging.getLogger(__name__)

BRAND = discord.Colour.from_rgb(88, 101, 242)
FIELD_LIMIT = 1024
SHOWN = 6
PREFIX = "mb:profile"
ACTIONS = ("keep", "discard")
PARTS = ("resume", "job")


def custom_id(action: str, part: str, user_id: int) -> str:
    """Return the id of a Keep/Discard button: the action, what it keeps, whose it is."""
    return f"{PREFIX}:{action}:{part}:{user_id}"


def parse_custom_id(value: str) -> tuple[str, str, int] | None:
    """Return (action, part, user id) from a Keep/Discard button id, or None."""
    parts = value.split(":")
    if len(parts) != 5 or f"{parts[0]}:{parts[1]}" != PREFIX:
        return None
    action, part, user = parts[2], parts[3], parse_id(parts[4])
    if action not in ACTIONS or part not in PARTS or user is None:
        return None
    return action, part, user


def keep_controls(part: str, user_id: int, language: Language) -> discord.ui.View:
    """Return the Keep / Discard buttons under what was read."""
    return persistent_view(
        discord.ui.Button(
            label=text("profile.buttons.keep", language),
            style=discord.ButtonStyle.success,
            custom_id=custom_id("keep", part, user_id),
        ),
        discord.ui.Button(
            label=text("profile.buttons.discard", language),
            style=discord.ButtonStyle.secondary,
            custom_id=custom_id("discard", part, user_id),
        ),
    )


def _field(lines: Sequence[str], language: Language) -> str:
    lines = [line for line in lines if line.strip()]
    if not lines:
        return text("profile.fields.none", language)
    shown = [f"• {line}" for line in lines[:SHOWN]]
    if len(lines) > SHOWN:
        shown.append(text("profile.read.more", language, count=len(lines) - SHOWN))
    value = "\n".join(shown)
    return value if len(value) <= FIELD_LIMIT else value[: FIELD_LIMIT - 1] + "…"


def resume_lines(resume: Resume, language: Language) -> dict[str, list[str]]:
    """Return the resume's facts as lines per field (roles, projects, skills, results)."""
    facts = resume.facts
    roles = [
        text(
            "profile.role_line",
            language,
            title=r.title,
            company=text("profile.role_company", language, company=r.company) if r.company else "",
            period=text("profile.role_period", language, period=r.period) if r.period else "",
        )
        for r in facts.roles
    ]
    projects = [
        text(
            "profile.project_line",
            language,
            name=p.name,
            company=text("profile.role_company", language, company=p.company) if p.company else "",
        )
        for p in facts.projects
    ]
    skills = [", ".join(facts.skills)] if facts.skills else []
    return {"roles": roles, "projects": projects, "skills": skills, "results": list(facts.results)}


def job_lines(
    job: JobDescription, catalogue: SkillCatalogue, language: Language
) -> dict[str, list[str]]:
    """Return the job's facts as lines per field (kinds, focus, seniority, context)."""
    facts = job.facts
    focus = [s.name(language) for f in facts.focus if (s := catalogue.get(f)) is not None]
    seniority = (
        seniority_label(facts.seniority, facts.rank, language)
        if facts.seniority
        else text("profile.fields.unknown", language)
    )
    return {
        "kinds": [", ".join(kind_name(k.value, language) for k in facts.kinds)],
        "focus": focus,
        "seniority": [seniority],
        "context": list(facts.context),
    }


def _reader(source: str, language: Language) -> str:
    return text(f"profile.read.{'model' if source == 'model' else 'offline'}", language)


def resume_embed(resume: Resume, language: Language) -> discord.Embed:
    """Return what was read in a resume, to keep or discard."""
    embed = discord.Embed(title=text("profile.read.resume_title", language), colour=BRAND)
    intro = text(
        "profile.read.resume_intro",
        language,
        pages=resume.pages,
        reader=_reader(resume.facts.source, language),
    )
    if resume.facts.empty:
        intro += "\n" + text("profile.read.nothing_found", language)
    embed.description = intro
    for key, lines in resume_lines(resume, language).items():
        embed.add_field(
            name=text(f"profile.fields.{key}", language),
            value=_field(lines, language),
            inline=False,
        )
    return embed


def job_embed(job: JobDescription, catalogue: SkillCatalogue, language: Language) -> discord.Embed:
    """Return what was read in a job description, to keep or discard."""
    embed = discord.Embed(title=text("profile.read.job_title", language), colour=BRAND)
    company = text("profile.read.at_company", language, company=job.company) if job.company else ""
    embed.description = text(
        "profile.read.job_intro",
        language,
        title=job.title,
        company=company,
        reader=_reader(job.facts.source, language),
    )
    for key, lines in job_lines(job, catalogue, language).items():
        embed.add_field(
            name=text(f"profile.fields.{key}", language),
            value=_field(lines, language),
            inline=False,
        )
    return embed


def profile_embed(profile: Profile, catalogue: SkillCatalogue, language: Language) -> discord.Embed:
    """Return the stored profile: the resume's and the job's summaries."""
    embed = discord.Embed(title=text("profile.show.title", language), colour=BRAND)
    if profile.empty:
        embed.description = text("profile.show.empty", language)
        return embed
    if profile.resume is None:
        resume = text("profile.show.no_resume", language)
    else:
        lines = resume_lines(profile.resume, language)
        kept = text(
            "profile.fields.updated", language, date=profile.resume.updated_at.date().isoformat()
        )
        resume = _field([*lines["roles"][:2], *lines["projects"][:3], kept], language)
    embed.add_field(name=text("profile.show.resume", language), value=resume, inline=False)
    if profile.job is None:
        job = text("profile.show.no_job", language)
    else:
        found = job_lines(profile.job, catalogue, language)
        company = (
            text("profile.read.at_company", language, company=profile.job.company)
            if profile.job.company
            else ""
        )
        kept = text(
            "profile.fields.updated", language, date=profile.job.updated_at.date().isoformat()
        )
        job = _field(
            [f"{profile.job.title}{company}", ", ".join(found["focus"]), *found["seniority"], kept],
            language,
        )
    embed.add_field(name=text("profile.show.job", language), value=job, inline=False)
    embed.set_footer(text=text("profile.show.footer", language))
    return embed
