"""Text utilities for Discord's message limits."""

from __future__ import annotations

DISCORD_LIMIT = 2000


def split_message(text: str, limit: int = DISCORD_LIMIT) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters at natural boundaries.

    Prefers paragraph breaks, then line breaks, then sentence ends, then spaces; only a
    single unbroken run longer than ``limit`` is cut mid-word.
    """
    if limit < 10:
        raise ValueError("limit too small")
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", "? ", "! ", " "):
            pos = window.rfind(sep)
            # A cut in the first quarter would make tiny fragments; look for a better one.
            if pos > limit // 4:
                cut = pos + (1 if sep in (". ", "? ", "! ") else 0)
                break
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks
