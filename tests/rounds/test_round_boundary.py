"""Rounds are domain: they reach Discord, voice, SDKs and SQL only through their ports."""

from __future__ import annotations

import ast
from pathlib import Path

ROUNDS = Path(__file__).resolve().parents[2] / "bot" / "rounds"
FORBIDDEN_TOP = {"discord", "openai", "anthropic", "aiosqlite", "sqlite3", "storage", "cogs"}
FORBIDDEN_BOT = ("bot.voice", "bot.speech", "bot.llm", "bot.discord_app", "bot.bootstrap")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_rounds_import_no_discord_sdk_sql_or_adapter() -> None:
    paths = sorted(ROUNDS.glob("*.py"))
    assert paths
    offenders = [
        f"{path.name}: {name}"
        for path in paths
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN_TOP
        or any(name == b or name.startswith(b + ".") for b in FORBIDDEN_BOT)
    ]
    assert offenders == []


def test_rounds_hold_no_discord_markup() -> None:
    # Mentions, bold and code spans belong to the copy catalogue and the presenters.
    found = []
    for path in sorted(ROUNDS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and any(m in text for m in ("<@", "<#", "**", "`/")):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
