"""Privacy by registry: every store declares what it holds about people; export and delete
iterate the registry through ``PrivacyService``.

- ``declarations``: what a store declares (personal tables, user-id columns, counts);
- ``ports``: the store, transaction, lookup, engine and voice ports (no SQL here);
- ``registry``: every store as one; export and erase iterate it;
- ``service``: export and delete, stopping running work through its services first;
- ``language``: which language `/privacy` answers in.
"""

from bot.privacy.declarations import (
    ExportPart,
    NotPersonal,
    OnErase,
    PersonalTable,
    StoreDeclaration,
    Via,
)
from bot.privacy.models import (
    ActiveInterview,
    DataCounts,
    DeletePreview,
    Deletion,
    Erasure,
    LiveRound,
    UserExport,
    VoiceBlocked,
)
from bot.privacy.registry import EXPORT_FORMAT, PersonalDataRegistry, RegistryError
from bot.privacy.service import PrivacyService

__all__ = [
    "EXPORT_FORMAT",
    "ActiveInterview",
    "DataCounts",
    "DeletePreview",
    "Deletion",
    "Erasure",
    "ExportPart",
    "LiveRound",
    "NotPersonal",
    "OnErase",
    "PersonalDataRegistry",
    "PersonalTable",
    "PrivacyService",
    "RegistryError",
    "StoreDeclaration",
    "UserExport",
    "Via",
    "VoiceBlocked",
]
