"""The DAVE adapter: marker detection, delegation to the session, and the no-session case."""

from __future__ import annotations

import logging

import davey
import pytest

from bot.voice.dave import DaveError, DaveLayer, DaveyLayer, has_dave_marker

from .packets import FakeDaveSession, dave_frame

log = logging.getLogger(__name__)

OPUS = b"\xfc\xff\xfe some opus"


def test_marker_detection() -> None:
    assert has_dave_marker(dave_frame(OPUS))
    assert not has_dave_marker(OPUS)
    assert not has_dave_marker(b"\xfa\xfa")  # no room for the size byte


def test_adapter_delegates_to_the_current_session() -> None:
    session = FakeDaveSession(members={7}, passthrough={8})
    layer = DaveyLayer(lambda: session, lambda: 1)
    assert isinstance(layer, DaveLayer)
    assert layer.decrypt(7, dave_frame(OPUS)) == OPUS
    assert session.decrypt_calls == [7]
    assert layer.can_passthrough(8) and not layer.can_passthrough(7)
    assert (layer.status, layer.protocol_version) == ("active", 1)


def test_adapter_wraps_session_errors() -> None:
    session = FakeDaveSession(members={7}, fail=True)
    layer = DaveyLayer(lambda: session)
    with pytest.raises(DaveError):
        layer.decrypt(7, dave_frame(OPUS))


def test_without_a_session_everything_passes_through_and_nothing_decrypts() -> None:
    layer = DaveyLayer(lambda: None, lambda: 0)
    assert layer.can_passthrough(1)
    assert layer.status == "none"
    with pytest.raises(DaveError):
        layer.decrypt(1, dave_frame(OPUS))


def test_adapter_works_with_a_real_davey_session() -> None:
    session = davey.DaveSession(1, 1234, 5678)  # no MLS group: nobody can be decrypted
    layer = DaveyLayer(lambda: session, lambda: 1)
    assert layer.status == "inactive"
    assert layer.can_passthrough(99) is False
    with pytest.raises(DaveError, match="NoDecryptorForUser"):
        layer.decrypt(99, dave_frame(OPUS))
