"""Per-server key ciphertext (the ``GuildKeyStore`` port) in memory."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

log = logging.getLogger(__name__)

# Every Fernet token starts with version byte 0x80, which base64-encodes to "gAAAAA".
_FERNET_PREFIX = "gAAAAA"


class InMemoryGuildKeys:
    """Keys per server and provider; like SQLite it refuses anything but Fernet ciphertext."""

    def __init__(self) -> None:
        self.keys: dict[tuple[int, str], str] = {}

    async def store(self, guild_id: int, provider: str, ciphertext: str) -> None:
        """Insert or replace a server's encrypted key for ``provider``."""
        if not ciphertext.startswith(_FERNET_PREFIX):
            raise ValueError("guild keys must be stored as Fernet ciphertext (use KeyVault)")
        self.keys[(guild_id, provider)] = ciphertext

    async def load(self, guild_id: int, provider: str) -> str | None:
        """Return the stored ciphertext, or None."""
        return self.keys.get((guild_id, provider))

    async def load_all(self, guild_id: int) -> dict[str, str]:
        """Return provider -> ciphertext for one server."""
        return {p: c for (g, p), c in sorted(self.keys.items()) if g == guild_id}

    async def delete(self, guild_id: int, provider: str | None = None) -> int:
        """Delete one provider's key (or all of a server's); return how many went."""
        gone = [k for k in self.keys if k[0] == guild_id and provider in (None, k[1])]
        for key in gone:
            del self.keys[key]
        return len(gone)


if TYPE_CHECKING:
    from bot.llm.guild_routing import GuildKeyStore

    _store: GuildKeyStore = InMemoryGuildKeys()
