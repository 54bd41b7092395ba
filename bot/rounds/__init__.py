"""Study-group rounds and solo voice interviews: queues, consent, turns, ratings, summaries.

Plain Python: rounds reach people through the ``RoundChannel`` and ``RoundPresenter`` ports
(voice today, text later) and their interviews through the ``Interviews`` port.
"""

from bot.rounds.errors import RoundError
from bot.rounds.hearing import RoundTimings
from bot.rounds.model import (
    MAX_TURNS_EACH,
    Participant,
    Rating,
    Round,
    RoundMode,
    RoundStatus,
)
from bot.rounds.notices import Ending, Line, LineKind, Note, NoteKind
from bot.rounds.ports import Clock, Interviews, RoundChannel, RoundPresenter, RoundStore
from bot.rounds.run import Command, CommandKind, RoundRequest, RoundRun
from bot.rounds.service import RoundService
from bot.rounds.summary import (
    AnswerRecord,
    ParticipantSummary,
    RatingRecord,
    RoundSummary,
    summarise,
)

__all__ = [
    "MAX_TURNS_EACH",
    "AnswerRecord",
    "Clock",
    "Command",
    "CommandKind",
    "Ending",
    "Interviews",
    "Line",
    "LineKind",
    "Note",
    "NoteKind",
    "Participant",
    "ParticipantSummary",
    "Rating",
    "RatingRecord",
    "Round",
    "RoundChannel",
    "RoundError",
    "RoundMode",
    "RoundPresenter",
    "RoundRequest",
    "RoundRun",
    "RoundService",
    "RoundStatus",
    "RoundStore",
    "RoundSummary",
    "RoundTimings",
    "summarise",
]
