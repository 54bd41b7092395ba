"""Turn engine events into Discord messages."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import discord

from bot.coaching.model_feedback import locate_quote
from bot.coaching.models import Evaluation
from bot.interview.events import (
    Event,
    FeedbackGiven,
    FollowUpAsked,
    LevelChanged,
    QuestionAsked,
    Reevaluation,
    RetryGraded,
    RewindAsked,
    SessionEnded,
)
from bot.interview.ports import SessionOverview
from bot.presenters import (
    comparison_lines,
    dimensions_line,
    evaluation_note,
    feedback_labels,
    finding_line,
    probe_line,
    reevaluation_lines,
    rewrite_blocks,
    rewrites_summary,
    shorten,
    source_label,
    summary_lines,
    without_heading,
)
from bot.text import split_message

log = logging.getLogger(__name__)

BRAND = discord.Colour.from_rgb(88, 101, 242)
GOOD = discord.Colour.green()
MIXED = discord.Colour.gold()
WEAK = discord.Colour.red()

SOURCE_LABELS = {"offline": "offline coach (no model key)"}

# Sections of the model's reply shown while it streams: prose only. Findings carry quotes
# that are verified only after the merge, so they appear with the final feedback.
PREVIEW_SECTIONS = {"praise": "What worked", "fix": "Fix first", "tip": "Tip"}
# Sections after which the preview says the rest is being checked.
CHECKING_SECTIONS = frozenset({"findings", "dimensions"})
PREVIEW_HEADER = "_Live coaching (scores and evidence follow once they are checked)…_"
PREVIEW_CHECKING = "_Checking the evidence against your answer…_"
PREVIEW_ABANDONED = "_The live preview stopped because grading failed; see below._"
PREVIEW_SUPERSEDED = "_(feedback above)_"
# Left on a preview message when the feedback had to be posted as new messages after it.
PREVIEW_MOVED = "_(feedback below)_"
_PREVIEW_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "header": PREVIEW_HEADER,
        "checking": PREVIEW_CHECKING,
        "abandoned": PREVIEW_ABANDONED,
    },
    "ko": {
        "header": "_실시간 코칭 (점수와 근거는 확인 후 이어집니다)…_",
        "checking": "_답변과 근거를 대조하는 중…_",
        "abandoned": "_채점에 실패해 실시간 미리보기가 멈췄습니다. 아래를 확인하세요._",
    },
}
# A retry is stored as an extra attempt, and /interview reevaluate re-grades only turns.
RETRY_OFFLINE_NOTE = {
    "en": "The AI coach did not grade this retry, so this is the offline coach's feedback. "
    "Retries are not re-graded later: rewind this question again once the AI coach is back.",
    "ko": "이번 재시도는 AI 코치가 채점하지 못해 오프라인 코치의 피드백을 보여 드립니다. "
    "재시도는 나중에 다시 채점되지 않으니, AI 코치가 돌아오면 이 질문을 다시 되감아 답해 보세요.",
}
MIXED_GRADERS_NOTE = {
    "en": "_Note: one attempt was graded by the AI coach and the other by the offline coach, "
    "so the scores are not directly comparable._",
    "ko": "_참고: 한 시도는 AI 코치가, 다른 시도는 오프라인 코치가 채점해 점수를 그대로 비교할 수 "
    "없습니다._",
}
_QUOTED = re.compile(r"\u201c([^\u201d]{2,300})\u201d|\"([^\"]{2,300})\"")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to post: text, an embed, and whether it carries the question buttons."""

    content: str | None = None
    embed: discord.Embed | None = None
    controls: bool = False
    speak: str | None = None
    # Part of an answer's feedback: these replace the live preview messages when streamed.
    feedback: bool = False
    # (turn id, attempt number) for a "Show rewrites" button.
    rewrites: tuple[int, int] | None = None
    # The session whose pending rewind a "Cancel retry" button drops.
    cancel_rewind: int | None = None


def _colour(score: int) -> discord.Colour:
    return GOOD if score >= 75 else MIXED if score >= 50 else WEAK


def feedback_text(
    evaluation: Evaluation,
    language: str = "en",
    *,
    note: str | None = None,
    number: int | None = None,
) -> str:
    """Return the feedback for one answer as Markdown: score, praise, fix, tip, evidence.

    For a reply to a follow-up, ``number`` is its question's number, and the first line says
    whether the reply filled the gap and what that did to the question's grade.
    """
    label = feedback_labels(language)
    coaching = evaluation.coaching
    probe = probe_line(evaluation, number or 0, language) if number is not None else None
    parts = [f"**{probe}**"] if probe else []
    parts += [
        f"**{label['score']} {evaluation.score}/100** · {dimensions_line(evaluation)} · "
        f"_{source_label(evaluation, language)}_",
        f"**{label['praise']}:** {without_heading(coaching.praise)}",
        f"**{label['fix']}:** {without_heading(coaching.fix)}",
        f"**{label['tip']}:** {without_heading(coaching.tip)}",
    ]
    note = note if note is not None else evaluation_note(evaluation)
    if note:
        parts.append(f"_{note}_")
    problems = evaluation.problems
    if problems:
        parts.append(
            f"**{label['evidence']}**\n" + "\n".join(f"- {finding_line(f)}" for f in problems)
        )
    return "\n".join(parts)


def render(events: list[Event], language: str = "en") -> list[Outgoing]:
    """Return the messages that present ``events`` in order."""
    out: list[Outgoing] = []
    for event in events:
        if isinstance(event, QuestionAsked):
            embed = discord.Embed(
                title=f"Question {event.number} of {event.total}",
                description=event.turn.prompt,
                colour=BRAND,
            )
            embed.set_footer(
                text=f"{event.question.kind.value.replace('_', ' ')} · {event.turn.level.value}"
                + (" · resumed" if event.resumed else "")
                + " · reply in this thread"
            )
            out.append(Outgoing(embed=embed, controls=True, speak=event.turn.prompt))
        elif isinstance(event, FollowUpAsked):
            embed = discord.Embed(title="Follow-up", description=event.turn.prompt, colour=BRAND)
            embed.set_footer(text="reply in this thread")
            out.append(Outgoing(embed=embed, controls=True, speak=event.turn.prompt))
        elif isinstance(event, FeedbackGiven):
            text = feedback_text(event.evaluation, language, number=event.number)
            out.extend(Outgoing(content=c, feedback=True) for c in split_message(text))
            if event.turn.id is not None:
                out.extend(_rewrites_offer(event.evaluation, event.turn.id, 1))
        elif isinstance(event, RewindAsked):
            out.append(_rewind_message(event))
        elif isinstance(event, RetryGraded):
            out.extend(
                Outgoing(content=c, feedback=True)
                for c in split_message(retry_text(event, language))
            )
            if event.turn.id is not None:
                out.extend(
                    _rewrites_offer(event.attempt.evaluation, event.turn.id, event.attempt_number)
                )
            if event.pending is not None:
                out.append(
                    Outgoing(
                        content="Back to the interview: this question still waits for your "
                        f"answer: \u201c{shorten(event.pending.prompt, 120)}\u201d"
                    )
                )
        elif isinstance(event, LevelChanged):
            out.append(
                Outgoing(
                    content=f"Difficulty moves from **{event.old.value}** to "
                    f"**{event.new.value}**: {event.reason}."
                )
            )
        elif isinstance(event, SessionEnded):
            summary = event.summary
            title = "Interview stopped" if event.stopped else "Interview complete"
            embed = discord.Embed(
                title=title,
                description="\n".join(summary_lines(summary))[:4000],
                colour=_colour(int(summary.average_score or 0)),
            )
            embed.set_footer(text="See all your sessions with /interview history")
            out.append(Outgoing(embed=embed))
    return out


def history_embed(rows: list[SessionOverview]) -> discord.Embed:
    """Return the user's recent sessions as an embed."""
    embed = discord.Embed(title="Your recent interviews", colour=BRAND)
    if not rows:
        embed.description = "No interviews yet. Start one with `/interview start`."
        return embed
    lines = []
    for r in rows:
        avg = f"{r.average_score:.0f}/100" if r.average_score is not None else "not graded"
        lines.append(
            f"`#{r.session_id}` {discord.utils.format_dt(r.created_at, 'd')} · "
            f"{r.kind.value.replace('_', ' ')} · {r.level.value} · {r.status.value} · "
            f"{r.answered} answered · {avg}"
        )
    embed.description = "\n".join(lines)
    return embed


def _rewind_message(event: RewindAsked) -> Outgoing:
    """Return the re-asked question of a rewind, with a "Cancel retry" button."""
    embed = discord.Embed(
        title=f"Rewind: question {event.number}, attempt {event.attempts + 1}",
        description=event.turn.prompt,
        colour=BRAND,
    )
    previous = event.turn.evaluation
    if previous is not None:
        embed.add_field(name="First attempt", value=f"{previous.score}/100", inline=True)
    footer = "Your next message here (typed or a voice message) is the retry"
    if event.session_active:
        footer += "; the current question stays open for after it"
    embed.set_footer(text=footer)
    return Outgoing(embed=embed, speak=event.turn.prompt, cancel_rewind=event.session_id)


def retry_text(event: RetryGraded, language: str = "en") -> str:
    """Return a retry's comparison with the previous attempt, then its full feedback."""
    head = (
        f"**Retry of question {event.number}** (attempt {event.attempt_number}) "
        "compared with your previous attempt:"
    )
    lines = comparison_lines(event.comparison)
    before, after = event.comparison.before, event.comparison.after
    if (before.source == "llm") != (after.source == "llm"):
        # A grader change moves the score by itself; say so before anyone reads it as progress.
        lines.append(MIXED_GRADERS_NOTE.get(language, MIXED_GRADERS_NOTE["en"]))
    evaluation = event.attempt.evaluation
    note = None
    if evaluation.model_missing:
        note = RETRY_OFFLINE_NOTE.get(language, RETRY_OFFLINE_NOTE["en"])
    body = "\n".join(lines)
    return f"{head}\n{body}\n\n{feedback_text(evaluation, language, note=note)}"


def shorten_block(text: str, limit: int = 2000) -> str:
    """Return ``text`` cut to ``limit`` characters, keeping whole lines where it can."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit("\n", 1)[0] + "…"


def _rewrites_offer(evaluation: Evaluation, turn_id: int, attempt: int) -> list[Outgoing]:
    """Return the compact rewrites line with its "Show rewrites" button, if there are any."""
    summary = rewrites_summary(evaluation)
    if summary is None:
        return []
    text = "**Rewrites of this answer** (press the button to read them):\n" + summary
    return [Outgoing(content=shorten_block(text), rewrites=(turn_id, attempt))]


def rewrites_messages(evaluation: Evaluation) -> list[str]:
    """Return the full rewrites as messages of at most 2000 characters each."""
    blocks = rewrite_blocks(evaluation)
    if not blocks:
        return ["This answer has no rewrites: they come with feedback from the AI coach."]
    text = "\n\n".join(f"**{head}**\n{body}" for head, body in blocks)
    return split_message(text)


def reevaluation_messages(result: Reevaluation) -> list[str]:
    """Return a re-evaluation's outcome as messages of at most 2000 characters each."""
    return split_message("\n".join(reevaluation_lines(result)))


def preview_text(kind: str, language: str = "en") -> str:
    """Return a live preview's fixed line ("header", "checking", "abandoned") in a language."""
    return _PREVIEW_TEXT.get(language, _PREVIEW_TEXT["en"])[kind]


def preview_section(key: str, value: Any, answer: str, language: str = "en") -> str | None:
    """Return a streamed prose section as preview Markdown, or None if it is not shown live."""
    if key not in PREVIEW_SECTIONS or not isinstance(value, str) or not value.strip():
        return None
    label = feedback_labels(language)[key]
    return f"**{label}:** {unverified_quotes_removed(value.strip(), answer)}"


def unverified_quotes_removed(text: str, answer: str) -> str:
    """Drop the quotation marks around words the answer does not contain."""

    # The model's prose may "quote" the candidate; until the merge has checked it, a quote
    # that is not in the answer must not look like the candidate's own words.
    def check(match: re.Match[str]) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        return match.group(0) if locate_quote(answer, inner) is not None else inner

    return _QUOTED.sub(check, text)
