"""Word-list rules: banned terms reject, suspect terms hold.

Terms are matched in normalised text with an Aho-Corasick automaton, so a list of thousands
of terms costs one pass over the comment. Matching is whole-word ("Scunthorpe", "assess" and
"class" never match a shorter term inside them), with an allow list of innocent phrases that
contain a term ("moby dick"). Each term also enters the automaton in a few disguised spellings
that normalisation cannot undo on its own: "u" written "v" ("fvck"), a doubled letter
stretched ("asssshole", which squashes to "ashole" and counts only where the text really had
a run), and interior letters masked with "*" ("f*ck", "sh*t"). One `TermIndex` holds every
list in one automaton, so the banned and suspect rules share a single pass over the comment.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator

import ahocorasick

from moderation.pipeline.normalise import Normalised, normalise
from moderation.pipeline.rules.base import RuleContext
from moderation.pipeline.rules.wordlists import Term, WordLists, WordListSource
from moderation.pipeline.verdict import Action, RuleHit

# One-letter words that may stand at the edge of a run of separate letters ("a f u c k").
_LONE_LETTERS = frozenset("aiyoeu")
_MAX_DOUBLES = 2
_MIN_MASKED_LENGTH = 4


@dataclasses.dataclass(frozen=True)
class _Spelling:
    """How one key of the automaton spells a term."""

    term: Term
    kind: str
    squashed: tuple[int, ...] = ()  # key positions that must be squashed runs in the text
    masked: bool = False


@dataclasses.dataclass(frozen=True)
class TermMatch:
    """One occurrence of a term: its span in normalised text and how it was spelled."""

    term: Term
    kind: str
    start: int
    end: int
    masked: bool


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def spellings(term: Term, kind: str) -> Iterator[tuple[str, _Spelling]]:
    """The automaton keys for one term: its normalised form and its disguised spellings."""
    key = normalise(term.text).text.strip()
    if not key:
        return
    yield key, _Spelling(term, kind)
    if "u" in key:
        yield key.replace("u", "v"), _Spelling(term, kind)
    doubles = [i for i in range(len(key) - 1) if key[i] == key[i + 1] and key[i].isalpha()]
    for count in range(1, min(len(doubles), _MAX_DOUBLES) + 1):
        for chosen in itertools.combinations(doubles, count):
            short = key
            positions = []
            for removed, index in enumerate(chosen):
                at = index - removed
                short = short[: at + 1] + short[at + 2 :]
                positions.append(at)
            yield short, _Spelling(term, kind, squashed=tuple(positions))
    if len(key) >= _MIN_MASKED_LENGTH and key.isalpha():
        for start in range(1, len(key) - 1):
            for end in range(start + 1, len(key)):
                hidden = end - start
                if hidden * 2 <= len(key):
                    masked = key[:start] + "*" * hidden + key[end:]
                    yield masked, _Spelling(term, kind, masked=True)


class TermMatcher:
    """Finds whole-word occurrences of listed terms in normalised text."""

    def __init__(self, terms: Iterable[tuple[str, Term]], allow: Iterable[Term] = ()) -> None:
        keys: dict[str, list[_Spelling]] = {}
        for kind, term in terms:
            for key, spelling in spellings(term, kind):
                found = keys.setdefault(key, [])
                # "cabron" and "cabrón" are one key, and "s**t" could be "shit" or "slut":
                # the first listed term of each kind reports it.
                if not any(
                    (seen.kind, seen.squashed, seen.masked)
                    == (spelling.kind, spelling.squashed, spelling.masked)
                    for seen in found
                ):
                    found.append(spelling)
        self.size = len(keys)
        self._automaton = _automaton({key: tuple(found) for key, found in keys.items()})
        allowed = {normalise(term.text).text.strip() for term in allow} - {""}
        self._allow = _automaton({key: () for key in allowed})

    def find(self, normalised: Normalised) -> list[TermMatch]:
        """Every acceptable occurrence, in text order."""
        if self._automaton is None:
            return []
        text = normalised.text
        matches: list[TermMatch] = []
        allowed: list[tuple[int, int]] | None = None
        for last, (length, found) in self._automaton.iter(text):
            start, end = last - length + 1, last + 1
            if not _whole_word(normalised, start, end):
                continue
            if allowed is None:
                allowed = self._allowed_spans(normalised)
            if any(a <= start and end <= b for a, b in allowed):
                continue
            for spelling in found:
                if all(normalised.squashed(start + at) for at in spelling.squashed):
                    matches.append(
                        TermMatch(spelling.term, spelling.kind, start, end, spelling.masked)
                    )
        return matches

    def _allowed_spans(self, normalised: Normalised) -> list[tuple[int, int]]:
        if self._allow is None:
            return []
        spans = []
        for last, (length, _) in self._allow.iter(normalised.text):
            start, end = last - length + 1, last + 1
            if _whole_word(normalised, start, end):
                spans.append((start, end))
        return spans


def _automaton(keys: dict[str, tuple[_Spelling, ...]]) -> ahocorasick.Automaton | None:
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for key, found in keys.items():
        automaton.add_word(key, (len(key), found))
    automaton.make_automaton()
    return automaton


def _whole_word(normalised: Normalised, start: int, end: int) -> bool:
    """Whether text[start:end] is whole words, or sits in a run of separate letters."""
    text = normalised.text
    before = start > 0 and _is_word_char(text[start - 1])
    after = end < len(text) and _is_word_char(text[end])
    if not before and not after:
        return True
    run = normalised.spaced_run(start, end)
    if run is None:
        return False
    # "a f u c k": only stray one-letter words may be peeled off the edges of the run.
    edges = text[run[0] : start] + text[end : run[1]]
    return all(char in _LONE_LETTERS for char in edges)


class TermIndex:
    """Every word list in one automaton, rebuilt when the lists change.

    The term rules of one comment ask in turn; the index answers them all from one pass.
    """

    def __init__(self, source: WordListSource | WordLists) -> None:
        self._source = source
        self._version = -1
        self._matcher = self._build()
        self._last: tuple[Normalised | None, list[TermMatch]] = (None, [])

    def _lists(self) -> WordLists:
        source = self._source
        return source.current() if isinstance(source, WordListSource) else source

    def _build(self) -> TermMatcher:
        lists = self._lists()
        self._version = lists.version
        kinds = [(kind, term) for kind in ("banned", "suspect") for term in lists.terms(kind)]
        return TermMatcher(kinds, lists.allow)

    @property
    def size(self) -> int:
        """How many automaton keys (terms and their spellings) the index holds."""
        return self._matcher.size

    def matches(self, normalised: Normalised) -> list[TermMatch]:
        """Every term occurrence in `normalised`, of every list."""
        if self._lists().version != self._version:
            self._matcher = self._build()  # a list file changed: rebuild once
            self._last = (None, [])
        last_input, last_found = self._last
        if last_input is normalised:
            return last_found
        found = self._matcher.find(normalised)
        self._last = (normalised, found)
        return found


class TermListRule:
    """Hits for every whole-word occurrence of a term of one list (banned or suspect)."""

    def __init__(
        self,
        rule_id: str,
        source: TermIndex | WordListSource | WordLists,
        kind: str,
        action: Action,
        label: str,
        public_code: str,
    ) -> None:
        self.id = rule_id
        self.action: Action = action
        self.message = label
        self.public_code = public_code
        self.kind = kind
        self.index = source if isinstance(source, TermIndex) else TermIndex(source)

    def check(self, context: RuleContext) -> list[RuleHit]:
        normalised = context.normalised
        found: dict[Term, list[TermMatch]] = {}
        for match in self.index.matches(normalised):
            if match.kind == self.kind:
                found.setdefault(match.term, []).append(match)
        return [self._hit(normalised, term, matches) for term, matches in found.items()]

    def _hit(self, normalised: Normalised, term: Term, matches: list[TermMatch]) -> RuleHit:
        spans = sorted({normalised.original_span(m.start, m.end) for m in matches})
        first = matches[0]
        written = normalised.original[slice(*normalised.original_span(first.start, first.end))]
        message = f"{self.message} '{term.text}'"
        if term.language != "en":
            message += f" ({term.language})"
        if first.masked:
            message += f", partly masked as '{_short(written)}'"
        elif written.casefold() != term.text.casefold():
            message += f", written '{_short(written)}'"
        return RuleHit(self.id, self.action, message, self.public_code, tuple(spans))


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
