"""Profile domain: resume and job-description facts, and personalised question choice.

Domain only: no Discord, no SDK, no SQL. ``ProfileService`` is what the entry points call;
``ports`` names what adapters provide (the store, the PDF reader, an optional model).
"""

from bot.profile.memory import JobMemory, Memories
from bot.profile.models import (
    JobDescription,
    JobFacts,
    Personalise,
    PersonalPlan,
    PlannedQuestion,
    Profile,
    Project,
    Resume,
    ResumeFacts,
    Role,
)
from bot.profile.ports import (
    PDF_PROBLEMS,
    DocumentProblem,
    DocumentReader,
    ProfileModel,
    ProfileStore,
    QuestionBrief,
    ReadDocument,
    WrittenQuestion,
)
from bot.profile.service import (
    MAX_RESUME_BYTES,
    ProfileService,
    Read,
    personal_options,
    seniority_label,
)

__all__ = [
    "MAX_RESUME_BYTES",
    "PDF_PROBLEMS",
    "DocumentProblem",
    "DocumentReader",
    "JobDescription",
    "JobFacts",
    "JobMemory",
    "Memories",
    "PersonalPlan",
    "Personalise",
    "PlannedQuestion",
    "Profile",
    "ProfileModel",
    "ProfileService",
    "ProfileStore",
    "Project",
    "QuestionBrief",
    "Read",
    "ReadDocument",
    "Resume",
    "ResumeFacts",
    "Role",
    "WrittenQuestion",
    "personal_options",
    "seniority_label",
]
