"""A live call against the loopback voice server: py-cord's real handshake, the real link.

Every test joins through ``DiscordVoiceConnector`` (``channel.connect(cls=GuardedVoiceClient)``)
over wss:// and UDP on 127.0.0.1; the server speaks voice gateway v8 with DAVE protocol
version 0. Speech is espeak-ng through real libopus; recognition is a loudness double (these
tests are about the transport, not about what whisper hears).
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from discord.voice import VoiceClient

from bot.errors import CoachError
from bot.voice.discord_link import DiscordVoiceLink

from ..packets import WRONG_KEY, opus_frames, speech_pcm_48k
from .conftest import Call
from .server import OP_CLIENT_DISCONNECT, OP_SPEAKING, Speaker

log = logging.getLogger(__name__)

SILENCE = b"\xf8\xff\xfe"


@pytest.fixture(scope="module")
def answer() -> list[bytes]:
    """Return about two seconds of spoken answer as real Opus frames."""
    return opus_frames(speech_pcm_48k("I led the migration to the new billing system."))


def speaker_of(call: Call, user: dict[str, object], ssrc: int) -> Speaker:
    """Return the SFU stream of a user."""
    return Speaker(user_id=int(str(user["id"])), ssrc=ssrc)


async def test_consenting_speakers_are_heard_and_the_other_is_never_decrypted(
    call: Call, answer: list[bytes]
) -> None:
    carol = call.h.fake.add_user("carol")
    call.h.fake.add_member(call.h.guild_id, carol)
    await call.h.join_voice(carol, call.voice_id)
    link = await call.join()
    alice, bob, stranger = (
        speaker_of(call, call.h.alice, 101),
        speaker_of(call, call.h.bob, 102),
        speaker_of(call, carol, 103),
    )
    link.listen_to({alice.user_id, bob.user_id})
    for speaker in (alice, bob, stranger):
        await call.server.speaking(speaker)
    await call.until(lambda: len(call.voice_client._id_to_ssrc) >= 4, "op 5 mapped everyone")
    # Carol's packets carry a key nobody has: trying to decrypt them would count a failure.
    await asyncio.gather(
        call.server.send(alice, answer),
        call.server.send(bob, answer),
        call.server.send(stranger, answer, key=WRONG_KEY),
    )
    turns = await asyncio.gather(
        link.next_turn(alice.user_id, timeout_s=20), link.next_turn(bob.user_id, timeout_s=20)
    )
    assert [t.user_id if t else None for t in turns] == [alice.user_id, bob.user_id]
    assert all(t is not None and t.text.startswith("words") for t in turns)
    stats = link.diagnostics().stats
    for heard in (alice, bob):
        counters = stats.users[heard.user_id]
        assert counters.decoded_frames >= len(answer) - 1 and counters.transport_failures == 0
    never = stats.users[stranger.user_id]
    assert never.dropped_no_consent == len(answer)
    assert never.transport_failures == 0 and never.decoded_frames == 0
    assert stats.malformed == 0
    assert link.diagnostics().encryption_mode == "aead_xchacha20_poly1305_rtpsize"
    assert link.diagnostics().dave_protocol_version == 0


async def test_keepalives_go_out_all_session_and_echoes_are_not_malformed(call: Call) -> None:
    link = await call.join()
    server = call.server
    # 60 intervals of the test's 50 ms: five minutes of a real call at the 5 s interval.
    await call.until(lambda: len(server.keepalives) >= 60, "60 keepalives")
    counters = [k.counter for k in server.keepalives[:60]]
    assert counters == list(range(60))
    assert {k.source for k in server.keepalives} == {server.client_address}
    await call.until(lambda: link.diagnostics().stats.keepalive_echoes >= 60, "60 echoes")
    stats = link.diagnostics().stats
    assert stats.keepalives_sent >= 60 and stats.malformed == 0
    assert stats.non_audio >= stats.keepalive_echoes
    await link.close()
    sent = len(server.keepalives)
    await asyncio.sleep(0.3)  # six intervals: a stopped keepalive sends nothing more
    assert len(server.keepalives) == sent


async def test_the_bot_reconnects_after_the_websocket_drops_and_keeps_hearing(
    call: Call, answer: list[bytes]
) -> None:
    link = await call.join()
    alice = speaker_of(call, call.h.alice, 201)
    link.listen_to({alice.user_id})
    await call.server.speaking(alice)
    await call.server.send(alice, answer)
    assert await link.next_turn(alice.user_id, timeout_s=20) is not None
    first_key = call.server.secret_key

    await call.server.drop_websocket(None)  # the TCP stream is cut, no close frame
    await call.until(
        lambda: len(call.server.connections) == 2 and call.voice_client.is_connected(),
        "py-cord rejoined and finished a new handshake",
        limit_s=30,
    )
    assert call.server.secret_key != first_key and call.server.discoveries == 2
    keepalives = len(call.server.keepalives)
    await call.until(lambda: len(call.server.keepalives) > keepalives + 3, "keepalives go on")
    assert call.server.keepalives[-1].source == call.server.client_address

    alice = Speaker(alice.user_id, ssrc=202)  # a new session: new SSRCs, a new key
    await call.server.speaking(alice)
    await call.server.send(alice, answer)
    turn = await link.next_turn(alice.user_id, timeout_s=20)
    assert turn is not None and turn.text.startswith("words")
    assert link.diagnostics().stats.users[alice.user_id].transport_failures == 0


async def test_silence_frames_pass_and_padding_bursts_are_not_audio(
    call: Call, answer: list[bytes]
) -> None:
    link = await call.join()
    alice = speaker_of(call, call.h.alice, 301)
    link.listen_to({alice.user_id})
    await call.server.speaking(alice)
    await call.until(lambda: alice.user_id in call.voice_client._id_to_ssrc, "op 5")
    half = len(answer) // 2
    await call.server.send(alice, answer[:half])
    await call.server.send(alice, [SILENCE] * 10)
    for _ in range(60):  # a burst of padding-only packets, as Discord.Net issue 3262 saw
        call.server.send_datagram(call.server.padding_packet(alice))
    await call.server.send(alice, answer[half:])
    turn = await link.next_turn(alice.user_id, timeout_s=20)
    assert turn is not None
    counters = link.diagnostics().stats.users[alice.user_id]
    assert counters.silence_frames == 10 and counters.padding_only == 60
    assert counters.decoded_frames == len(answer) + 10
    assert counters.decode_failures == 0 and counters.concealed_frames == 0
    assert counters.dave_failures == 0 and counters.malformed == 0
    assert link.diagnostics().stats.non_audio >= 60


async def test_first_words_before_op_5_are_kept_and_only_for_consenting_people(
    call: Call, answer: list[bytes]
) -> None:
    link = await call.join()
    alice, bob = speaker_of(call, call.h.alice, 401), speaker_of(call, call.h.bob, 402)
    link.listen_to({alice.user_id})
    # Their first 10 packets (200 ms) arrive before SPEAKING says whose SSRC it is.
    await call.server.send(alice, answer[:10])
    await call.server.send(bob, answer[:10], key=WRONG_KEY)
    await call.until(lambda: link.diagnostics().stats.early_buffered >= 20, "packets held")
    await call.server.speaking(alice)
    await call.server.speaking(bob)
    await call.server.send(alice, answer[10:])
    turn = await link.next_turn(alice.user_id, timeout_s=20)
    assert turn is not None
    stats = link.diagnostics().stats
    await call.until(
        lambda: stats.users[alice.user_id].decoded_frames == len(answer), "every frame decoded"
    )
    # Op 5 travels over the websocket: a few packets after it can still beat it.
    assert stats.users[alice.user_id].early_replayed >= 10
    assert stats.users[bob.user_id].early_replayed == 10
    assert stats.users[bob.user_id].dropped_no_consent == 10
    assert stats.users[bob.user_id].transport_failures == 0
    assert stats.users.get(0) is None or stats.users[0].dropped_unknown_ssrc == 0


async def test_a_member_leaving_during_the_handshake_does_not_break_the_join(
    call: Call, answer: list[bytes]
) -> None:
    bob_id = call.uid(call.h.bob)
    call.server.after_ready = [
        (OP_SPEAKING, {"user_id": str(bob_id), "ssrc": 77, "speaking": 1}),
        (OP_CLIENT_DISCONNECT, {"user_id": str(bob_id)}),
    ]
    link = await call.join()
    assert call.voice_client.is_connected()
    assert bob_id not in call.voice_client._id_to_ssrc
    alice = speaker_of(call, call.h.alice, 501)
    link.listen_to({alice.user_id})
    await call.server.speaking(alice)
    await call.server.send(alice, answer)
    assert await link.next_turn(alice.user_id, timeout_s=20) is not None


async def test_py_cords_own_client_fails_that_join(call: Call) -> None:
    """The control for the test above: without the guard, op 13 crashes the handshake."""
    bob_id = call.uid(call.h.bob)
    call.server.after_ready = [
        (OP_SPEAKING, {"user_id": str(bob_id), "ssrc": 77, "speaking": 1}),
        (OP_CLIENT_DISCONNECT, {"user_id": str(bob_id)}),
    ]
    channel = call.h.guild.get_channel(call.voice_id)
    assert channel is not None
    with pytest.raises(AttributeError):
        await channel.connect(timeout=10, reconnect=False, cls=VoiceClient)  # type: ignore[attr-defined]


async def test_asyncio_debug_mode_refuses_to_listen_before_joining(call: Call) -> None:
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    try:
        with pytest.raises(CoachError) as caught:
            await call.join()
    finally:
        loop.set_debug(False)
    assert "debug mode" in caught.value.user_message
    assert call.gateway.requests == []  # it never asked to join
    assert not isinstance(call.h.guild.voice_client, DiscordVoiceLink)
