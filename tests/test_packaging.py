"""A regular (non-editable) install: the wheel carries its data and pins the risky majors."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_build_backend_understands_the_license_field() -> None:
    (requirement,) = PYPROJECT["build-system"]["requires"]
    assert isinstance(PYPROJECT["project"]["license"], str)  # an SPDX expression
    minimum = re.search(r"setuptools>=(\d+)", requirement)
    assert minimum is not None and int(minimum.group(1)) >= 77, requirement
    assert "<" in requirement  # a new setuptools major cannot change the build unseen


@pytest.mark.parametrize("name", ["openai", "anthropic", "av", "numpy", "cryptography"])
def test_sdks_whose_majors_break_have_an_upper_bound(name: str) -> None:
    (spec,) = [d for d in PYPROJECT["project"]["dependencies"] if re.match(rf"{name}\b", d, re.I)]
    upper = re.search(r"<(\d+)", spec)
    lower = re.search(r">=(\d+)", spec)
    assert upper and lower, spec
    assert int(upper.group(1)) == int(lower.group(1)) + 1 or name == "cryptography", spec


# What the Dockerfile copies into its build stage: the wheel must need nothing else.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "bot", "cogs", "prompts", "storage")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # A clean copy: building in the checkout would reuse its build/ folder, stale files and all.
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    (built,) = out.glob("mockingbird-*.whl")
    yield built


def test_the_wheel_ships_prompts_migrations_and_copy(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = [
        p.relative_to(ROOT).as_posix()
        for folder in ("prompts", "storage/migrations", "bot/copy")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    missing = [name for name in wanted if name not in names]
    assert wanted and not missing, missing[:10]
    assert not any(name.startswith(("tests/", "bench/")) for name in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: AGPL-3.0-or-later" in text
    assert "Requires-Dist: openai<4,>=3.0" in text


def test_an_installed_copy_finds_its_prompts_from_any_directory(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("PROMPTS_PATH", None)
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bot, bot.config as c; print(bot.__file__);"
            "print(c.Settings(env_file=None).interview.prompts_path)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    assert where[0].startswith(str(target)) and where[1] == str(target / "prompts")
    graded = subprocess.run(
        [sys.executable, "-m", "bot", "evaluate", "--question", "Tell me about a project."],
        cwd=elsewhere,
        env=env,
        input="I led the migration and we cut costs by 30%.",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert graded.returncode == 0, graded.stderr[-2000:]
    assert '"score"' in graded.stdout


def test_the_docker_image_builds_from_these_sources_and_checks_its_health() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = re.findall(r"^COPY (?!--from)(.+?) \S+$", dockerfile, re.MULTILINE)
    assert sorted(" ".join(copied).split()) == sorted(SOURCES)
    assert 'CMD ["python", "-m", "bot", "health"]' in dockerfile  # the HEALTHCHECK
    assert "RUN python -m bot models download" in dockerfile
    assert 'VOLUME ["/app/data"]' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and "data/" in ignored  # no secrets or local data in the image


def test_compose_runs_the_image_with_its_volume_and_env_file() -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["mockingbird"]
    assert service["env_file"] == ".env" and service["restart"] == "unless-stopped"
    assert service["volumes"] == ["mockingbird-data:/app/data"]
    assert "mockingbird-data" in compose["volumes"]
