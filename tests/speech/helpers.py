"""Speech test helpers: espeak-ng speech with known words, and word error rate."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess

import pytest

log = logging.getLogger(__name__)

# A scripted answer: known words, a 2.5 s pause after "system", no fillers.
ANSWER_SSML = (
    "I would like to talk about the migration of our billing system. "
    '<break time="2500ms"/> The main challenge was keeping downtime low, '
    "so we used a phased rollout."
)
# Fillers said the way a nervous candidate says them.
FILLER_SSML = (
    'Um, I think the answer is a hash map. <break time="600ms"/> Uh, it was, like, really '
    "fast. Um, we cached the results."
)


def espeak(text: str, *, voice: str = "en-us", speed: int = 150, ssml: bool = True) -> bytes:
    """Speak `text` with espeak-ng and return wav bytes."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        pytest.skip("espeak-ng is not installed")
    arguments = [binary, "-v", voice, "-s", str(speed), "--stdout", text]
    if ssml:
        arguments.insert(1, "-m")
    return subprocess.run(arguments, capture_output=True, check=True, timeout=60).stdout


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """Return the word-level Levenshtein distance divided by the reference length."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp in enumerate(hypothesis, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp))
        previous = current
    return previous[-1] / max(1, len(reference))


def normalised_words(text: str) -> list[str]:
    """Lower-case words without punctuation, for WER."""
    cleaned = "".join(char if char.isalnum() or char.isspace() else " " for char in text.lower())
    return cleaned.split()


# The words a perfect recogniser would return for ANSWER_SSML.
ANSWER_WORDS = normalised_words(re.sub(r"<[^>]+>", " ", ANSWER_SSML))
