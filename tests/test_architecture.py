"""The dependency rule: the domain imports no Discord, SDK or SQL."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ["bot/interview", "bot/coaching", "bot/progress"]
FORBIDDEN = {
    "discord",
    "openai",
    "anthropic",
    "aiosqlite",
    "sqlite3",
    "httpx",
    "aiohttp",
    "faster_whisper",
    "edge_tts",
    "storage",
    "cogs",
}
# Adapter packages of our own that the domain must not reach into either.
FORBIDDEN_BOT = {"bot.llm", "bot.speech", "bot.voice", "bot.reports", "bot.discord_app"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def domain_violations(root: Path = ROOT) -> list[str]:
    """Return 'file: module' for every forbidden import in the domain packages."""
    bad = []
    for package in DOMAIN:
        for path in sorted((root / package).rglob("*.py")):
            for name in _imports(path):
                top = name.split(".")[0]
                if top in FORBIDDEN or any(
                    name == b or name.startswith(b + ".") for b in FORBIDDEN_BOT
                ):
                    bad.append(f"{path.relative_to(root)}: {name}")
    return bad


def test_domain_imports_no_adapter() -> None:
    assert domain_violations() == []


def test_the_check_catches_a_violation(tmp_path: Path) -> None:
    pkg = tmp_path / "bot" / "coaching"
    pkg.mkdir(parents=True)
    (tmp_path / "bot" / "interview").mkdir()
    (tmp_path / "bot" / "progress").mkdir()
    (pkg / "leak.py").write_text("import discord\nfrom openai import AsyncOpenAI\n")
    assert domain_violations(tmp_path) == [
        "bot/coaching/leak.py: discord",
        "bot/coaching/leak.py: openai",
    ]


def test_only_cogs_and_the_app_import_discord_outside_voice() -> None:
    allowed = ("cogs/", "bot/discord_app.py", "bot/voice/", "tests/")
    offenders = []
    for path in sorted(ROOT.glob("bot/**/*.py")):
        rel = str(path.relative_to(ROOT))
        if rel.startswith(allowed):
            continue
        if any(n.split(".")[0] == "discord" for n in _imports(path)):
            offenders.append(rel)
    assert offenders == []


# py-cord voice internals: private connection state, the opus binding, the voice subpackage.
_VOICE_INTERNALS = ("_connection", "_reader", "add_socket_listener", "dave_session")


def voice_internal_uses(root: Path = ROOT) -> list[str]:
    """Return 'file: name' for each touch of py-cord voice internals outside receive.py."""
    found = []
    for path in sorted([*root.glob("bot/**/*.py"), *root.glob("cogs/**/*.py")]):
        rel = str(path.relative_to(root))
        if rel == "bot/voice/receive.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in _VOICE_INTERNALS:
                found.append(f"{rel}: {node.attr}")
        for name in _imports(path):
            if name.startswith(("discord.voice", "discord.opus")):
                found.append(f"{rel}: {name}")
    return found


def test_only_the_receive_module_touches_py_cord_voice_internals() -> None:
    assert voice_internal_uses() == []


def test_the_voice_internals_check_catches_a_touch(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "leak.py").write_text("def f(vc):\n    return vc._connection.mode\n")
    assert voice_internal_uses(tmp_path) == ["bot/leak.py: _connection"]
