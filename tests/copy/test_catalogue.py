"""Every message exists in every language, with the same placeholders; bad files fail loudly."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.catalog import Language
from bot.copy import CATALOGUE_ROOT, Catalogue, CopyError, catalogue, localized, placeholders, text

log = logging.getLogger(__name__)

# Discord's rule for command and option names (lower case where the script has case).
NAME = re.compile(r"^[-_\w]{1,32}$")


def test_every_key_exists_in_every_language_with_the_same_placeholders() -> None:
    cat = catalogue()
    english = cat.key_set(Language.EN)
    assert english
    for language in Language:
        keys = cat.key_set(language)
        assert keys == english, (language, sorted(english ^ keys)[:10])
        for key in keys:
            assert placeholders(cat.template(key, language)) == placeholders(
                cat.template(key, Language.EN)
            ), (language, key)


def test_korean_text_is_korean() -> None:
    cat = catalogue()
    hangul = re.compile(r"[\uac00-\ud7a3]")
    # Brand names, codes and bare placeholders need no translation; everything else does.
    untranslated = [
        key
        for key in cat.key_set(Language.KO)
        if re.search(
            r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}|`[^`]*`", "", cat.template(key, Language.KO))
        )
        and not hangul.search(cat.template(key, Language.KO))
        and cat.template(key, Language.KO) == cat.template(key, Language.EN)
    ]
    assert not untranslated, untranslated[:10]


def test_command_names_are_valid_discord_names() -> None:
    cat = catalogue()
    for language in Language:
        for key in cat.key_set(language):
            if ".commands." in f".{key}" and key.endswith(".name"):
                name = cat.template(key, language)
                assert NAME.match(name) and name == name.lower(), (language, key, name)


def test_text_fills_placeholders_and_keeps_unknown_ones_visible() -> None:
    assert "`ab12`" in text("common.apology", Language.EN, ref="ab12")
    assert "ab12" in text("common.apology", "ko", ref="ab12")
    assert "{ref}" in text("common.apology", Language.EN)


def test_a_missing_key_shows_the_key_not_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert text("common.no_such_key", Language.KO) == "common.no_such_key"
    assert "missing" in caplog.text


def test_localizations_carry_korean_for_discord() -> None:
    cat = catalogue()
    commands = [k for k in cat.key_set() if k.endswith(".description") and ".commands." in f".{k}"]
    for key in commands:
        found = localized(key.removesuffix(".description"))
        assert found["description_localizations"].get("ko")


def test_a_malformed_catalogue_is_refused(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "x.yaml").write_text("a: [1, 2]\n", encoding="utf-8")
    with pytest.raises(CopyError):
        Catalogue.load(tmp_path)
    (tmp_path / "en" / "x.yaml").write_text("a: 'bad {'\n", encoding="utf-8")
    with pytest.raises(CopyError):
        Catalogue.load(tmp_path)
    (tmp_path / "en" / "x.yaml").write_bytes(b"a: '\xff\xfe'\n")
    with pytest.raises(CopyError):
        Catalogue.load(tmp_path)


def test_the_shipped_catalogue_loads_from_its_folder() -> None:
    assert Catalogue.load(CATALOGUE_ROOT).key_set() == catalogue().key_set()
