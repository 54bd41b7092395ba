"""Turn-taking: when a speaker starts, when they have finished, and what they said."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bot.speech.stt import SpeechToText, Transcript
from bot.voice.endings import Ending, judge_ending
from bot.voice.incremental import SttPool, TurnTranscription
from bot.voice.types import SAMPLE_RATE, AudioChunk, Pcm16k, TurnCallback, VoiceTurn
from bot.voice.vad import VadFrame, VadSettings, VoiceActivityDetector

log = logging.getLogger(__name__)

SpeechStartCallback = Callable[[int], None]

_SAMPLES_PER_MS = SAMPLE_RATE // 1000
# RTP timestamps map to whole milliseconds; a millisecond either way is the same position.
_CONTIGUOUS_SLACK = _SAMPLES_PER_MS


@dataclass(frozen=True, slots=True)
class TurnPolicy:
    """When a turn counts, when it is over, and how its transcription is split.

    The silence that ends a turn grows from ``min_end_silence_ms`` for a short reply to
    ``max_end_silence_ms`` once the turn holds ``long_answer_ms`` of speech: people pause
    longer to think in the middle of a long answer than after "yes". A turn with less than
    ``min_speech_ms`` of voice (a cough, a click) is dropped; one longer than ``max_turn_ms``
    is ended there and the speech goes on as a new turn. Pieces of at least ``min_piece_ms``
    ending at a pause are transcribed while the candidate is still talking (None: all at the
    end). Once the voice has been silent for ``speculate_lead_ms`` less than the silence that
    would end the turn (but at least ``speculate_after_ms``: the turn is probably ending)
    whatever is not yet transcribed, if at least ``min_speculative_ms``, is sent off
    too, so the transcript is mostly done by the time the end-of-turn silence has passed; if
    the speaker goes on, that piece still stands (it ends at a pause). A speaker silent for
    ``forget_after_ms`` is forgotten entirely.

    With ``read_endings`` the words decide too: once everything up to the pause is transcribed,
    words that end a complete thought end the turn after ``complete_end_silence_ms``, and a
    trailing "and", "because", a filler or an open list make it wait at least
    ``trailing_end_silence_ms`` (see ``bot.voice.endings``). The rest is then sent off as soon
    as the voice has been silent for ``speculate_after_ms``, so the words are known early.
    """

    min_end_silence_ms: int = 700
    max_end_silence_ms: int = 2000
    long_answer_ms: int = 20_000
    min_speech_ms: int = 400
    max_turn_ms: int = 300_000
    preroll_ms: int = 300
    tail_ms: int = 300
    min_piece_ms: int | None = 8_000
    speculate_after_ms: int | None = 300
    speculate_lead_ms: int = 1_000
    min_speculative_ms: int = 300
    forget_after_ms: int = 30_000
    read_endings: bool = True
    complete_end_silence_ms: int = 700
    trailing_end_silence_ms: int = 3_000

    def __post_init__(self) -> None:
        if not 0 < self.min_end_silence_ms <= self.max_end_silence_ms:
            raise ValueError("need 0 < min_end_silence_ms <= max_end_silence_ms")
        if self.long_answer_ms <= 0 or self.max_turn_ms <= 0 or self.forget_after_ms <= 0:
            raise ValueError("durations must be positive")
        if self.min_speech_ms < 0 or self.preroll_ms < 0 or self.tail_ms < 0:
            raise ValueError("durations must not be negative")
        if self.min_piece_ms is not None and self.min_piece_ms <= 0:
            raise ValueError("min_piece_ms must be positive or None")
        if self.speculate_after_ms is not None and self.speculate_after_ms < 0:
            raise ValueError("speculate_after_ms must not be negative")
        if self.min_speculative_ms <= 0 or self.speculate_lead_ms < 0:
            raise ValueError("min_speculative_ms must be positive, speculate_lead_ms not negative")
        if self.complete_end_silence_ms <= 0 or self.trailing_end_silence_ms <= 0:
            raise ValueError("the complete and trailing end silences must be positive")

    def end_silence_ms(self, speech_ms: int) -> int:
        """Return the silence that ends a turn holding ``speech_ms`` of speech."""
        share = min(1.0, max(0, speech_ms) / self.long_answer_ms)
        span = self.max_end_silence_ms - self.min_end_silence_ms
        return self.min_end_silence_ms + round(span * share)


@dataclass(slots=True)
class _Turn:
    """An open turn: where it started, how much voice it holds, where the voice last was."""

    start: int
    transcription: TurnTranscription
    speech_frames: int = 0
    last_voice_end: int = 0
    speculated: bool = False
    # What the words up to the current pause say (None: not known yet, or voice resumed).
    ending: Ending | None = None
    # Voiced frames already handed to recognition by the last likely-end piece.
    sent_frames: int = 0


@dataclass(slots=True)
class _Speaker:
    """One speaker's stream position, VAD, pre-roll and open turn (positions in samples)."""

    user_id: int
    vad: VoiceActivityDetector
    preroll: deque[tuple[int, Pcm16k]]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_sample: int | None = None
    pending: Pcm16k = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    turn: _Turn | None = None
    last_audio: int = 0
    delivery: asyncio.Task[None] | None = None

    @property
    def frame_start(self) -> int:
        """Return the timeline position of the first sample waiting in ``pending``."""
        return (self.next_sample or 0) - len(self.pending)


class TurnTaker:
    """Split each speaker's audio into turns and hand each finished, transcribed turn on.

    ``push`` audio chunks (any order of speakers) and call ``tick`` regularly with the
    receiver's clock: Discord clients stop sending packets when their user falls silent, so
    the end of a turn is often noticed only from time passing. ``on_speech_start(user_id)``
    runs synchronously whenever a voice starts (barge-in); ``on_turn`` is awaited in a task
    per finished turn, in order per speaker. Every turn that holds enough speech is delivered,
    even when recognition heard nothing or failed (its transcript is then empty or partial).
    Call ``push``/``tick`` from the event loop thread.
    """

    def __init__(
        self,
        stt: SpeechToText,
        on_turn: TurnCallback,
        *,
        on_speech_start: SpeechStartCallback | None = None,
        policy: TurnPolicy | None = None,
        vad: VadSettings | None = None,
        language: str = "en",
        pool: SttPool | None = None,
    ) -> None:
        self.policy = policy or TurnPolicy()
        self.vad_settings = vad or VadSettings()
        self.language = language
        self._stt = stt
        self._on_turn = on_turn
        self._on_speech_start = on_speech_start
        self._pool = pool or SttPool()
        self._speakers: dict[int, _Speaker] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._frame = self.vad_settings.frame_samples
        self._closed = False

    @property
    def users(self) -> set[int]:
        """Return the ids of speakers with any state kept."""
        return set(self._speakers)

    @property
    def pending_turns(self) -> int:
        """Return how many finished turns are still being transcribed or delivered."""
        return len(self._tasks)

    def in_turn(self, user_id: int) -> bool:
        """Tell whether ``user_id`` has a turn open now."""
        speaker = self._speakers.get(user_id)
        return speaker is not None and speaker.turn is not None

    def speech_ms(self, user_id: int) -> int:
        """Return how much voice the user's open turn holds so far (0 without one)."""
        speaker = self._speakers.get(user_id)
        if speaker is None or speaker.turn is None:
            return 0
        return speaker.turn.speech_frames * self.vad_settings.frame_ms

    def buffered_samples(self, user_id: int) -> int:
        """Return how many samples of ``user_id``'s audio are held in memory."""
        speaker = self._speakers.get(user_id)
        if speaker is None:
            return 0
        held = len(speaker.pending) + sum(len(frame) for _, frame in speaker.preroll)
        if speaker.turn is not None:
            held += speaker.turn.transcription.buffered_samples
        return held

    def push(self, chunk: AudioChunk) -> None:
        """Feed one decoded chunk of a speaker's audio."""
        if self._closed or len(chunk.pcm) == 0:
            return
        speaker = self._speakers.get(chunk.user_id)
        if speaker is None:
            speaker = self._new_speaker(chunk.user_id)
        pcm = chunk.pcm
        position = chunk.start_ms * _SAMPLES_PER_MS
        if speaker.next_sample is None:
            speaker.next_sample = position
        else:
            gap = position - speaker.next_sample
            if gap < -_CONTIGUOUS_SLACK:
                # Audio for a stretch already heard (a late or repeated chunk): keep what is new.
                pcm = pcm[-gap:]
                if len(pcm) == 0:
                    return
            elif gap > _CONTIGUOUS_SLACK:
                self._gap(speaker, position)
        self._feed(speaker, pcm)
        speaker.last_audio = speaker.next_sample or 0

    def tick(self, now_ms: int) -> None:
        """Let time pass: end turns whose speaker has been silent long enough, forget idlers."""
        now = now_ms * _SAMPLES_PER_MS
        for speaker in list(self._speakers.values()):
            turn = speaker.turn
            if turn is not None:
                if self._silence_over(turn, now):
                    self._end_turn(speaker)
                else:
                    self._speculate(turn, now)
                continue
            if now - speaker.last_audio >= self.policy.forget_after_ms * _SAMPLES_PER_MS:
                log.debug("forgetting idle speaker %s", speaker.user_id)
                del self._speakers[speaker.user_id]

    async def flush(self) -> None:
        """End every open turn now and wait until all turns are transcribed and delivered."""
        for speaker in list(self._speakers.values()):
            if speaker.turn is not None:
                self._end_turn(speaker)
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def forget(self, user_id: int) -> None:
        """Drop a speaker's audio, open turn and undelivered turns (consent withdrawn, left)."""
        speaker = self._speakers.pop(user_id, None)
        if speaker is not None and speaker.turn is not None:
            speaker.turn.transcription.cancel()
        for task in self._tasks:
            if task.get_name() == _task_name(user_id):
                task.cancel()  # finished turns not yet delivered are dropped too

    async def close(self) -> None:
        """Stop: cancel recognition in flight, drop every buffer and undelivered turn."""
        self._closed = True
        for speaker in self._speakers.values():
            if speaker.turn is not None:
                await speaker.turn.transcription.aclose()
        self._speakers.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _new_speaker(self, user_id: int) -> _Speaker:
        """Create the state for a speaker heard for the first time (or again after idling)."""
        frames = -(-self.policy.preroll_ms // self.vad_settings.frame_ms)
        speaker = _Speaker(
            user_id=user_id,
            vad=VoiceActivityDetector(self.vad_settings),
            preroll=deque(maxlen=frames + self.vad_settings.start_window),
        )
        self._speakers[user_id] = speaker
        return speaker

    def _gap(self, speaker: _Speaker, position: int) -> None:
        """Account for time with no packets before ``position``."""
        turn = speaker.turn
        if turn is not None and self._silence_over(turn, position):
            self._end_turn(speaker)
        start = position if speaker.next_sample is None else speaker.next_sample
        if speaker.turn is not None:
            # A pause inside a turn: keep the timeline whole so word timings stay true.
            self._feed(speaker, np.zeros(position - start, dtype=np.float32), silent=True)
            return
        speaker.vad.gap((position - start) // self._frame)
        speaker.pending = np.zeros(0, dtype=np.float32)
        speaker.preroll.clear()
        speaker.next_sample = position

    def _feed(self, speaker: _Speaker, pcm: Pcm16k, *, silent: bool = False) -> None:
        """Run whole frames through the VAD and the turn logic; keep a partial frame."""
        start = speaker.frame_start
        mixed = len(speaker.pending) > 0
        samples = np.concatenate((speaker.pending, pcm)) if mixed else pcm
        whole = len(samples) // self._frame
        for index in range(whole):
            frame = samples[index * self._frame : (index + 1) * self._frame]
            known_silence = silent and not (mixed and index == 0)
            verdict = speaker.vad.silence() if known_silence else speaker.vad.frame(frame)
            self._on_frame(speaker, start + index * self._frame, frame, verdict)
        speaker.pending = np.array(samples[whole * self._frame :], dtype=np.float32)
        speaker.next_sample = start + len(samples)

    def _on_frame(self, speaker: _Speaker, position: int, frame: Pcm16k, verdict: VadFrame) -> None:
        """Advance one speaker's turn state by one classified frame at ``position``."""
        end = position + self._frame
        turn = speaker.turn
        if turn is None:
            speaker.preroll.append((position, frame))
            if verdict.onset or (verdict.speaking and verdict.voiced):
                self._speech_started(speaker)
                self._start_turn(speaker, position - verdict.lead_frames * self._frame, end)
            return
        turn.transcription.append(frame)
        if verdict.onset:
            self._speech_started(speaker)
            turn.speech_frames += self.vad_settings.start_frames
            turn.last_voice_end = end
            turn.speculated = False
            turn.ending = None
        elif verdict.speaking and verdict.voiced:
            turn.speech_frames += 1
            turn.last_voice_end = end
            turn.speculated = False
            turn.ending = None
        if verdict.offset:
            # Cut in the middle of the silence so no word is split between pieces.
            cut = (turn.last_voice_end + end) // 2 - turn.start
            turn.transcription.pause(cut)
        if self._silence_over(turn, end):
            self._end_turn(speaker)
            return
        self._speculate(turn, end)
        if end - turn.start >= self.policy.max_turn_ms * _SAMPLES_PER_MS:
            log.info("turn of user %s reached the length cap; starting a new one", speaker.user_id)
            self._end_turn(speaker, forced_end=end)
            if speaker.vad.speaking:
                self._start_turn(speaker, end, end, preroll=False)

    def _speech_started(self, speaker: _Speaker) -> None:
        """Tell the listener a voice started (barge-in); its failure must not stop receive."""
        if self._on_speech_start is None:
            return
        try:
            self._on_speech_start(speaker.user_id)
        except Exception:
            log.exception("speech-start callback failed for user %s", speaker.user_id)

    def _start_turn(self, speaker: _Speaker, onset: int, end: int, *, preroll: bool = True) -> None:
        """Open a turn whose voice began at ``onset``, with a little audio from before it."""
        piece = self.policy.min_piece_ms
        transcription = TurnTranscription(
            self._stt,
            user_id=speaker.user_id,
            language=self.language,
            min_piece_samples=None if piece is None else piece * _SAMPLES_PER_MS,
            lock=speaker.lock,
            pool=self._pool,
        )
        start = end
        if preroll:
            earliest = onset - self.policy.preroll_ms * _SAMPLES_PER_MS
            kept = [(at, frame) for at, frame in speaker.preroll if at >= earliest]
            if kept:
                start = kept[0][0]
                for _, frame in kept:
                    transcription.append(frame)
            speaker.preroll.clear()
        voiced = self.vad_settings.start_frames if preroll else 0
        speaker.turn = _Turn(start, transcription, voiced, end)

    def _speculate(self, turn: _Turn, now: int) -> None:
        """Send the untranscribed rest off once the voice has been silent for a while."""
        after = self.policy.speculate_after_ms
        if turn.speculated or after is None:
            return
        speech_ms = turn.speech_frames * self.vad_settings.frame_ms
        if self.policy.read_endings:
            wait_ms = after  # the words decide how long to wait: learn them early
        else:
            wait_ms = max(
                after, self.policy.end_silence_ms(speech_ms) - self.policy.speculate_lead_ms
            )
        if now - turn.last_voice_end < wait_ms * _SAMPLES_PER_MS:
            return
        turn.speculated = True
        if speech_ms < self.policy.min_speech_ms:
            return  # probably a cough: not worth recognising yet
        if (turn.speech_frames - turn.sent_frames) * self.vad_settings.frame_ms < (
            self.policy.min_speech_ms
        ):
            return  # a blip after the last piece: recognising it would only invent an "um"
        turn.sent_frames = turn.speech_frames
        # Keep the same silent tail a finished turn gets, so the last word's decay is in the
        # piece (recognition of a piece cut closer to the word is measurably worse).
        cut = turn.last_voice_end + min(after, self.policy.tail_ms) * _SAMPLES_PER_MS - turn.start
        turn.transcription.pause(cut, min_samples=self.policy.min_speculative_ms * _SAMPLES_PER_MS)

    def _silence_over(self, turn: _Turn, now: int) -> bool:
        """Tell whether the voice has been silent long enough at ``now`` to end the turn."""
        needed = self.end_silence_ms(turn) * _SAMPLES_PER_MS
        return now - turn.last_voice_end >= needed

    def end_silence_ms(self, turn: _Turn) -> int:
        """Return the silence that ends ``turn`` now: by its length, then by its last words."""
        policy = self.policy
        speech_ms = turn.speech_frames * self.vad_settings.frame_ms
        silence = policy.end_silence_ms(speech_ms)
        if not policy.read_endings:
            return silence
        ending = self._ending(turn)
        if ending is Ending.COMPLETE:
            return min(silence, policy.complete_end_silence_ms)
        if ending is Ending.TRAILING:
            return max(silence, policy.trailing_end_silence_ms)
        if ending is None and turn.speculated and turn.sent_frames == turn.speech_frames:
            # The words up to this pause are being recognised: a slow recogniser must not
            # cut a thinking pause, so wait for them (at most as long as for a trailing "and").
            return max(silence, policy.trailing_end_silence_ms)
        return silence

    def _ending(self, turn: _Turn) -> Ending | None:
        """Return how the words up to the current pause end, once they are all recognised."""
        if turn.ending is None:
            upto = turn.last_voice_end - turn.start
            blip = (turn.speech_frames - turn.sent_frames) * self.vad_settings.frame_ms
            if turn.sent_frames > 0 and blip < self.policy.min_speech_ms:
                # Only a blip since the last piece: its words are the words so far.
                upto = min(upto, turn.transcription.committed_samples)
            text = turn.transcription.settled_text(upto)
            if text is not None:
                turn.ending = judge_ending(text, self.language)
        return turn.ending

    def _end_turn(self, speaker: _Speaker, *, forced_end: int | None = None) -> None:
        """Close the speaker's turn and start transcribing and delivering it."""
        turn = speaker.turn
        if turn is None:
            return
        speaker.turn = None
        speech_ms = turn.speech_frames * self.vad_settings.frame_ms
        if speech_ms < self.policy.min_speech_ms:
            log.debug("dropped %d ms of voice from user %s: too short", speech_ms, speaker.user_id)
            turn.transcription.cancel()
            return
        if forced_end is None:
            end = turn.last_voice_end
            audio_end = end + self.policy.tail_ms * _SAMPLES_PER_MS
            done = turn.start + turn.transcription.committed_samples
            if done >= end:
                audio_end = done  # the voice is all in pieces already: no silent tail
        else:
            end = audio_end = forced_end
        voice_turn_start = turn.start // _SAMPLES_PER_MS
        previous = speaker.delivery
        task = asyncio.create_task(
            self._deliver(
                speaker.user_id,
                turn.transcription,
                voice_turn_start,
                end // _SAMPLES_PER_MS,
                audio_end - turn.start,
                previous,
            ),
            name=_task_name(speaker.user_id),
        )
        speaker.delivery = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(
        self,
        user_id: int,
        transcription: TurnTranscription,
        start_ms: int,
        end_ms: int,
        audio_samples: int,
        previous: asyncio.Task[None] | None,
    ) -> None:
        """Finish the transcript, wait for the speaker's previous turn, then hand it on."""
        try:
            transcript = await transcription.finish(audio_samples)
        except Exception:
            # Recognition errors are handled per piece; this is a bug, but the turn still ends.
            log.exception("transcribing the turn of user %s failed", user_id)
            transcript = Transcript("", (), self.language, (end_ms - start_ms))
        if previous is not None:
            await asyncio.wait([previous])
        turn = VoiceTurn(user_id=user_id, start_ms=start_ms, end_ms=end_ms, transcript=transcript)
        log.debug("turn of user %s: %d..%d ms", user_id, start_ms, end_ms)
        try:
            await self._on_turn(turn)
        except Exception:
            log.exception("turn callback failed for user %s", user_id)


def _task_name(user_id: int) -> str:
    """Return the name of a user's turn-delivery tasks."""
    return f"voice-turn-{user_id}"
