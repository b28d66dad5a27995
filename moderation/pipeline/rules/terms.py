"""Word-list rules: banned terms reject, suspect terms hold.

Terms are matched as whole words in normalised text with an Aho-Corasick automaton, so a list
of thousands of terms costs one pass over the comment, and "Scunthorpe" or "assess" never
match a shorter term inside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import ahocorasick

from moderation.pipeline.normalise import normalise
from moderation.pipeline.rules.base import RuleContext
from moderation.pipeline.verdict import Action, RuleHit


def read_terms(path: Path) -> list[str]:
    """Terms from one list file: one per line, blank lines and "#" comments skipped."""
    if not path.exists():
        return []
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        term = line.split("#", 1)[0].strip()
        if term:
            terms.append(term)
    return terms


def load_word_lists(folder: Path, languages: Sequence[str]) -> tuple[list[str], list[str]]:
    """The banned and suspect terms of every configured language."""
    banned: list[str] = []
    suspect: list[str] = []
    for language in languages:
        banned += read_terms(folder / language / "banned.txt")
        suspect += read_terms(folder / language / "suspect.txt")
    return banned, suspect


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


class TermListRule:
    """Hits for every whole-word occurrence of a listed term."""

    def __init__(
        self, rule_id: str, terms: Iterable[str], action: Action, label: str, public_code: str
    ) -> None:
        self.id = rule_id
        self.action: Action = action
        self.label = label
        self.public_code = public_code
        self._automaton = ahocorasick.Automaton()
        count = 0
        for term in terms:
            key = normalise(term).text
            if key:
                self._automaton.add_word(key, (key, term))
                count += 1
        self.size = count
        if count:
            self._automaton.make_automaton()

    def check(self, context: RuleContext) -> list[RuleHit]:
        if not self.size:
            return []
        normalised = context.normalised
        text = normalised.text
        found: dict[str, list[tuple[int, int]]] = {}
        for end_index, (key, term) in self._automaton.iter(text):
            start = end_index - len(key) + 1
            end = end_index + 1
            if start > 0 and _is_word_char(text[start - 1]):
                continue
            if end < len(text) and _is_word_char(text[end]):
                continue
            found.setdefault(term, []).append(normalised.original_span(start, end))
        return [
            RuleHit(
                self.id, self.action, f"{self.label} '{term}'", self.public_code, tuple(spans)
            )
            for term, spans in found.items()
        ]
