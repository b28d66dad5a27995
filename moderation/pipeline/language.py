"""Language identification with py3langid, whose model ships inside the package (no download).

The identifier is loaded on first use (about half a second) and kept for the process's life.
It tells Arabic dialects (ar, ary, arz) and Kurdish varieties (ku, sdh) apart; they are folded
into one code each (`config.LANGUAGE_FOLDS`) with their probabilities summed, since the word
lists and the models are per language, not per dialect. One identification costs about
0.1 ms for a sentence (docs/quality.md, "Languages").
"""

from __future__ import annotations

import dataclasses
import threading
import unicodedata
from typing import Any

from moderation.config import LANGUAGE_FOLDS

_lock = threading.Lock()
_identifier: Any = None


@dataclasses.dataclass(frozen=True)
class Identified:
    """A text's most likely language, how sure the identifier is, and what it had to go on."""

    code: str  # ISO 639-1 where there is one (ISO 639-3 else), dialects folded
    confidence: float  # probability of `code`, 0-1
    letters: int  # letters in the text: short texts are hard to tell
    latin_share: float  # share of those letters in the Latin script (1.0 when none)


def _load() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import (  # type: ignore[import-untyped]
                MODEL_FILE,
                LanguageIdentifier,
            )

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def identify(text: str) -> Identified:
    """The most likely language of `text`, dialects folded, with what decides its routing."""
    totals: dict[str, float] = {}
    for found, probability in _load().rank(text):
        folded = LANGUAGE_FOLDS.get(found, found)
        totals[folded] = totals.get(folded, 0.0) + float(probability)
    code = max(totals, key=totals.__getitem__)
    confidence = totals[code]
    letters = 0
    latin = 0
    for char in text:
        if char.isalpha():
            letters += 1
            latin += int(char.isascii() or unicodedata.name(char, "").startswith("LATIN"))
    return Identified(str(code), min(confidence, 1.0), letters, latin / letters if letters else 1.0)


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of the text's most likely language."""
    found = identify(text)
    return found.code, found.confidence
