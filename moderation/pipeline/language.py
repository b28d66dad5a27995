"""Language identification with py3langid, whose model ships inside the package (no download).

The identifier is loaded on first use (about half a second) and kept for the process's life.
It tells Arabic dialects (ar, ary, arz) and Kurdish varieties (ku, sdh) apart; they are folded
into one code each (`config.LANGUAGE_FOLDS`) with their probabilities summed, since the word
lists and the models are per language, not per dialect. One identification costs about
0.1-0.3 ms for a news comment (`python -m bench.bench_language`; docs/quality.md, "Languages").
"""

from __future__ import annotations

import dataclasses
import re
import threading
from typing import Any

from moderation.config import LANGUAGE_FOLDS

_lock = threading.Lock()
_identifier: tuple[Any, list[tuple[str, list[int]]]] | None = None
# Characters read to identify a comment (a long one is told by its start).
IDENTIFY_CHARACTERS = 1000
_LETTER = re.compile(r"[^\W\d_]")
# Letters outside the Latin script: everything but ASCII letters, Latin-1 and Latin Extended
# A/B, Latin Extended Additional, and fullwidth Latin.
_OTHER_SCRIPT_LETTER = re.compile(
    r"[^\W\d_A-Za-z\u00aa\u00b5\u00ba\u00c0-\u024f\u1e00-\u1eff\uff21-\uff3a\uff41-\uff5a]"
)


@dataclasses.dataclass(frozen=True)
class Identified:
    """A text's most likely language, how sure the identifier is, and what it had to go on."""

    code: str  # ISO 639-1 where there is one (ISO 639-3 else), dialects folded
    confidence: float  # probability of `code`, 0-1
    letters: int  # letters in the text: short texts are hard to tell
    latin_share: float  # share of those letters in the Latin script (1.0 when none)


def _load() -> tuple[Any, list[tuple[str, list[int]]]]:
    """The identifier, and for each folded language the class indices of its dialects."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import (  # type: ignore[import-untyped]
                MODEL_FILE,
                LanguageIdentifier,
            )

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            classes = list(identifier.nb_classes)
            groups: dict[str, list[int]] = {}
            for index, code in enumerate(classes):
                folded = LANGUAGE_FOLDS.get(code, code)
                in_a_group = folded != code or code in LANGUAGE_FOLDS.values()
                if in_a_group and classes.index(code) == index:  # listed twice: counts once
                    groups.setdefault(folded, []).append(index)
            _identifier = (identifier, sorted(groups.items()))
        return _identifier


def preload() -> None:
    """Load the identifier now (about 0.3 s), so that no comment's batch waits for it."""
    _load()


def loaded() -> bool:
    """Whether the identifier is loaded (a first `identify` call will not wait for it)."""
    return _identifier is not None


def identify(text: str) -> Identified:
    """The most likely language of `text`, dialects folded, with what decides its routing.

    The first `IDENTIFY_CHARACTERS` characters decide: they tell a comment's language, and the
    cost of identification grows with the length it reads.
    """
    identifier, groups = _load()
    sample = text[:IDENTIFY_CHARACTERS]
    # One probability per class (norm_probs): what `classify` and `rank` both start from, read
    # once here, since `rank` would sort them all and cost a fifth more. py3langid is pinned
    # (docker/constraints.txt); tests/unit/test_language_routing.py covers this use.
    scores = identifier._decide(sample)
    best = int(scores.argmax())
    code, confidence = identifier.nb_classes[best], float(scores[best])
    code = LANGUAGE_FOLDS.get(code, code)
    for folded, indices in groups:  # a dialect's probability counts for its language
        total = float(sum(scores[index] for index in indices))
        if folded == code or total > confidence:
            code, confidence = folded, max(confidence, total)
    letters = len(_LETTER.findall(sample))
    other = 0 if sample.isascii() else len(_OTHER_SCRIPT_LETTER.findall(sample))
    return Identified(
        str(code),
        min(confidence, 1.0),
        letters,
        (letters - other) / letters if letters else 1.0,
    )


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of the text's most likely language."""
    found = identify(text)
    return found.code, found.confidence
