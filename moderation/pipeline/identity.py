"""Identity mentions: words that name a group of people (orientation, gender, origin, religion,
age, disability), found in normalised text.

The lists are `<word_lists_dir>/<language>/identity.txt`: one entry per line, "#" comments;
an entry ending in "*" also matches the word with up to three more letters (German and
Romance inflections: "schwul*" matches "schwule", "schwulen"). Entries are normalised like
the text (case, accents, look-alikes), so "jüdisch" matches "judisch" and "JÜDISCHE".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from moderation.pipeline.normalise import Normalised, normalise
from moderation.pipeline.rules.wordlists import read_terms


@dataclasses.dataclass(frozen=True)
class Mention:
    """One identity term found: the list entry and its span in normalised text."""

    term: str
    start: int
    end: int


class IdentityTerms:
    """Finds listed identity terms in normalised text, longest entry first."""

    def __init__(self, entries: Iterable[str]) -> None:
        alternatives: dict[str, str] = {}
        for entry in entries:
            stem = entry.endswith("*")
            key = normalise(entry.rstrip("*")).text.strip()
            if not key:
                continue
            pattern = r"\s+".join(re.escape(word) for word in key.split())
            alternatives[pattern + (r"\w{0,3}" if stem else "")] = entry
        ordered = sorted(alternatives, key=len, reverse=True)
        self._entries = [alternatives[pattern] for pattern in ordered]
        self._pattern = (
            re.compile("|".join(f"(?<!\\w)({p})(?!\\w)" for p in ordered)) if ordered else None
        )

    def find(self, normalised: Normalised) -> list[Mention]:
        """Every mention, in text order."""
        if self._pattern is None:
            return []
        mentions = []
        for match in self._pattern.finditer(normalised.text):
            index = match.lastindex
            assert index is not None  # every alternative is one group
            mentions.append(Mention(self._entries[index - 1], match.start(), match.end()))
        return mentions

    def first(self, text: str) -> str:
        """The list entry of the first mention in `text`, or "" (for reports)."""
        found = self.find(normalise(text))
        return found[0].term if found else ""


def load_identity_terms(folder: Path, languages: Sequence[str]) -> IdentityTerms:
    """The identity lists of these languages, read now (a missing file is an empty list)."""
    return IdentityTerms(
        term for language in languages for term in read_terms(folder / language / "identity.txt")
    )
