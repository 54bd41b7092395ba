"""The dependency rule: the domain imports no Discord, SDK or SQL."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = [
    "bot/catalog",
    "bot/interview",
    "bot/coaching",
    "bot/rounds",
    "bot/privacy",
    "bot/progress",
    "bot/stories",
    "bot/profile",
    "bot/negotiation",
]
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


# ---- package graph ------------------------------------------------------------------

SDKS = {"openai", "anthropic", "aiosqlite", "sqlite3", "faster_whisper", "edge_tts", "httpx"}


def package_of(module: str) -> str | None:
    """Return the package a module of ours belongs to (``bot.coaching``, ``storage``...)."""
    parts = module.split(".")
    if parts[0] in ("storage", "cogs"):
        return parts[0]
    if parts[0] == "bot" and len(parts) >= 2:
        return f"bot.{parts[1]}"
    return None


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def package_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Return which of our packages each package imports (at module level or inside code)."""
    graph: dict[str, set[str]] = {}
    for top in ("bot", "cogs", "storage"):
        for path in sorted((root / top).rglob("*.py")):
            source = package_of(_module_name(path, root))
            if source is None:
                continue
            targets = graph.setdefault(source, set())
            for name in _imports(path):
                target = package_of(name)
                if target is not None and target != source:
                    targets.add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_packages() -> None:
    assert cycles(package_graph()) == []


def test_the_cycle_check_catches_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_shared_vocabulary_imports_nothing_of_ours() -> None:
    graph = package_graph()
    assert graph.get("bot.catalog", set()) == set()
    assert graph.get("bot.copy", set()) <= {"bot.catalog"}


def test_coaching_imports_nothing_of_interview() -> None:
    assert "bot.interview" not in package_graph().get("bot.coaching", set())


def test_cogs_import_no_storage_and_no_sdk() -> None:
    offenders = []
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "storage" or top in SDKS:
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


# ---- tests share helpers through helper modules, never through other test files ---------


def imports_of_test_modules(root: Path = ROOT) -> list[str]:
    """Return 'file: module' for each import of a ``test_*`` module by a file under tests/.

    Shared helpers live in ``tests/fakes/`` or a helper module (``tests/cogs/envs.py``,
    ``tests/llm/helpers.py``); importing a test file runs its module-level code twice and
    makes its tests depend on another file's.
    """
    tests = root / "tests"
    test_modules = {p.stem for p in tests.rglob("test_*.py")}
    found = []
    for path in sorted(tests.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                names = [base] if node.module else []
                # ``from tests.cogs import test_x`` names the module in the imported names.
                names += [f"{base}.{a.name}" for a in node.names if a.name in test_modules]
            for name in names:
                if any(part.startswith("test_") for part in name.split(".")):
                    found.append(f"{path.relative_to(root)}: {name.lstrip('.')}")
    return found


def test_no_test_imports_another_test_module() -> None:
    assert imports_of_test_modules() == []


def test_the_test_import_check_catches_each_form(tmp_path: Path) -> None:
    cogs = tmp_path / "tests" / "cogs"
    cogs.mkdir(parents=True)
    (cogs / "test_one.py").write_text("def test_x() -> None: ...\n")
    (cogs / "envs.py").write_text("from tests.cogs.test_one import test_x\n")
    (cogs / "test_two.py").write_text(
        "import tests.cogs.test_one\n"
        "from tests.cogs import test_one, envs\n"
        "from test_one import test_x\n"
        "from .test_one import test_x as again\n"
        "from tests.cogs.envs import helper\n"
        "from tests.fakes.sessions import InMemorySessionStore\n"
        "def test_y() -> None:\n"
        "    from tests.cogs.test_one import test_x\n"
    )
    assert imports_of_test_modules(tmp_path) == [
        "tests/cogs/envs.py: tests.cogs.test_one",
        "tests/cogs/test_two.py: tests.cogs.test_one",
        "tests/cogs/test_two.py: tests.cogs.test_one",
        "tests/cogs/test_two.py: test_one",
        "tests/cogs/test_two.py: test_one",
        "tests/cogs/test_two.py: tests.cogs.test_one",
    ]
