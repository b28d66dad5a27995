"""Text normalisation for rule matching, with a map back to the text the author wrote.

`normalise(text)` folds case and compatibility forms (NFKC) and drops zero-width and control
characters. Every character of the result remembers the index of the original character it
came from, so a match in normalised text reports its span in the original.
"""

from __future__ import annotations

import dataclasses
import unicodedata

_INVISIBLE_CATEGORIES = {"Cc", "Cf"}
_KEEP_CONTROLS = {"\n", "\t", "\r"}


@dataclasses.dataclass(frozen=True)
class Normalised:
    """Normalised text plus, for each of its characters, the original index it came from."""

    original: str
    text: str
    origin: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalised text[start:end] came from."""
        if start >= end:
            position = self.origin[start] if start < len(self.origin) else len(self.original)
            return position, position
        return self.origin[start], self.origin[end - 1] + 1


def normalise(text: str) -> Normalised:
    """Fold `text` for matching and keep the map back to it."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES and char not in _KEEP_CONTROLS:
            continue
        folded = unicodedata.normalize("NFKC", char).casefold()
        for piece in folded:
            out.append(piece)
            origin.append(index)
    return Normalised(text, "".join(out), tuple(origin))
