"""Text normalisation for rule matching, with a map back to the text the author wrote.

`normalise(text)` undoes the usual disguises of a word, in this order:

1. fold each character: NFKC (fullwidth and other compatibility forms), case folding,
   accents dropped, Latin letter forms and symbols to plain letters, zero-width and control
   characters removed; in Arabic, the vowel marks go with the accents, alef with hamza or
   madda is alef, and as Lucene's ArabicNormalizer does, tatweel (the stretching stroke,
   "كـــلب") is dropped, alef maksura is yeh and teh marbuta is heh; any run of white
   space (new lines included) becomes one space;
2. leetspeak inside words that also hold letters ("sh1t", "@ss", "$hit"; "2019" stays);
3. three or more one-character pieces, two of them letters at least, joined ("f.u.c.k",
   "f u c k", "f-u-c-k" -> "fuck"; "s h 1 t" -> "sh1t", then "shit");
4. runs of three or more of one letter squashed to one ("fuuuuck" -> "fuck");
5. letters of other scripts that imitate Latin ones (UTS #39 confusables: Cyrillic, Greek,
   Armenian, Lisu, Cherokee...) to Latin, only in words that disguise a Latin word
   (`confusables.fold_lookalikes`): ordinary Russian or Greek text stays as written.

Steps 2-5 repeat until nothing changes, so normalising twice changes nothing more. Every
character of the result remembers the span of the original it came from (`origin`, `extent`),
so a match in normalised text reports the span the author wrote. Joined one-letter pieces are
remembered too (`spaced`): a sentence such as "a f u c k" becomes "afuck", and the word
matcher may peel the stray one-letter words off the edges of such a run and nothing else, so
normal words of a sentence are never merged into a false match.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from moderation.pipeline.confusables import HOMOGLYPHS, LEET_TABLE, fold_lookalikes

_KEEP_CONTROLS = frozenset("\n\t\r")
# Arabic spellings that vary from writer to writer: tatweel, alef maksura, teh marbuta.
_ARABIC_SPELLING = {"\u0640": "", "\u0649": "\u064a", "\u0629": "\u0647"}
_DROP_CATEGORIES = frozenset({"Mn", "Me"})  # accents and other combining marks
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf"})
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")

# A word holding a digit or one of the symbols that stand for letters.
_LEET_WORD = re.compile(r"(?<![\w@$!])[\w@$!]*[\d@$!][\w@$!]*")
_LETTER = re.compile(r"[^\W\d_]")
_EDGE_BANGS = re.compile(r"^(!*)(.*?)(!*)$", re.DOTALL)

_SEPARATOR = r"[\s.\-_*~+,:;/\\|·•]"
# At least three one-character pieces (letters, or digits and symbols that stand for
# letters: "s h 1 t") with one to three separators between them. A piece may repeat its
# character ("ff u c k") so that squashing a run later cannot make a new piece.
_PIECE = r"[^\W_]|[@$]"
_SPACED_LETTERS = re.compile(
    rf"(?<!\w)({_PIECE})\1*(?:{_SEPARATOR}{{1,3}}({_PIECE})\2*){{2,}}(?!\w)"
)
_LETTER_RUN = re.compile(r"([^\W\d_])\1{2,}")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

# Cheap first looks for steps 2-4, each a pattern the regex engine scans fast (one starting
# with a character set, one starting with a separator), in ASCII and in Unicode flavours.
# A step runs only when its look finds something, which for most comments is never.
_Looks = tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]


def _looks(letter: str, single: str, run: str) -> _Looks:
    piece = rf"{single}{_SEPARATOR}{{1,3}}{single}{_SEPARATOR}"
    return (
        re.compile(rf"[\d@$!](?:(?={letter})|(?<={letter}[\d@$]))"),  # leetspeak
        re.compile(rf"{_SEPARATOR}{piece}"),  # separate letters...
        re.compile(piece),  # ...at the very start (used with .match)
        re.compile(rf"({run})\1\1"),  # a letter run
    )


_ASCII_LOOKS = _looks("[a-z]", "[a-z\\d@$]", "[a-z]")
# \w is looked up faster than "letters only"; the step itself squashes letters alone.
_UNICODE_LOOKS = _looks(r"[^\W\d_]", rf"(?:{_PIECE})", r"\w")
_SPACES = re.compile(r"\s{2,}|[^\S ]")
_MAX_PASSES = 8


@dataclasses.dataclass(frozen=True)
class Normalised:
    """Normalised text; for each of its characters, the original span it came from.

    `text[i]` came from `original[origin[i]:extent[i]]`. `spaced` lists the (start, end)
    ranges of `text` that were written as separate letters ("f u c k").
    """

    original: str
    text: str
    origin: Sequence[int]
    extent: Sequence[int]
    spaced: tuple[tuple[int, int], ...] = ()
    longest_run: int = 0  # the most letters one squashed letter stands for (0: none squashed)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalised text[start:end] came from."""
        if start >= end:
            position = self.origin[start] if start < len(self.origin) else len(self.original)
            return position, position
        return self.origin[start], self.extent[end - 1]

    def squashed(self, index: int) -> bool:
        """Whether text[index] stands for a run of three or more letters ("uuu")."""
        return self.extent[index] - self.origin[index] > 1

    def spaced_run(self, start: int, end: int) -> tuple[int, int] | None:
        """The run of separate letters that holds text[start:end], if one does."""
        for run_start, run_end in self.spaced:
            if run_start <= start and end <= run_end:
                return run_start, run_end
        return None


def normalise(text: str) -> Normalised:
    """Fold `text` for matching and keep the map back to it."""
    # Every step below is a pass over the text, and the rules run on every comment: the
    # common case (plain text, no disguise) takes the fewest passes and builds no maps.
    origin: Sequence[int]
    extent: Sequence[int]
    if text.isascii():
        folded, origin, extent = text.lower(), range(len(text)), range(1, len(text) + 1)
    else:
        folded, origin, extent = _fold(text)
    if not folded.isprintable():  # control characters or white space other than " "
        if _ASCII_CONTROLS.search(folded):
            folded, origin, extent = _drop_ascii_controls(folded, origin, extent)
        folded, origin, extent = _squash_spaces(folded, origin, extent)
    elif "  " in folded:
        folded, origin, extent = _squash_spaces(folded, origin, extent)
    spaced: list[tuple[int, int]] = []
    squashed: list[int] = [0]
    leet, separate, separate_at_start, letter_run = (
        _ASCII_LOOKS if folded.isascii() else _UNICODE_LOOKS
    )
    for _ in range(_MAX_PASSES):
        before = folded
        if leet.search(folded):
            folded = _unleet(folded)
        if separate.search(folded) or separate_at_start.match(folded):
            folded, origin, extent = _join_spaced_letters(folded, origin, extent, spaced)
        if letter_run.search(folded):
            folded, origin, extent = _squash_letters(folded, origin, extent, squashed)
        if not folded.isascii():
            # After joining "a ѕ ѕ" into one word, so its scripts are seen together; one
            # character for one, so the maps stay.
            folded = fold_lookalikes(folded)
        if folded == before:
            break
    runs = tuple(
        (bisect.bisect_left(origin, first), bisect.bisect_left(origin, last))
        for first, last in spaced
    )
    return Normalised(text, folded, origin, extent, runs, max(squashed))


@lru_cache(maxsize=65536)
def fold_char(char: str, depth: int = 0) -> str:
    """One character folded: NFKC, casefold, no accents, look-alikes to Latin; "" if invisible."""
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES and char not in _KEEP_CONTROLS:
        return ""
    step = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", char).casefold())
    pieces = []
    for piece in step:
        category = unicodedata.category(piece)
        if category in _DROP_CATEGORIES:
            continue
        if category in _INVISIBLE_CATEGORIES and piece not in _KEEP_CONTROLS:
            continue
        piece = _ARABIC_SPELLING.get(piece, piece)
        pieces.append(HOMOGLYPHS.get(piece, piece))
    folded = "".join(pieces)
    if folded == char or depth >= 3:
        return folded
    # Fold the pieces again until each one is stable, so normalising twice changes nothing.
    return "".join(fold_char(piece, depth + 1) for piece in folded)


def _fold(text: str) -> tuple[str, list[int], list[int]]:
    """Fold a text with some non-ASCII characters: those one by one, the ASCII parts at once."""
    out: list[str] = []
    origin: list[int] = []
    extent: list[int] = []
    last = 0
    for match in _NON_ASCII.finditer(text):
        start, end = match.span()
        out.append(text[last:start].lower())
        origin += range(last, start)
        extent += range(last + 1, start + 1)
        for index in range(start, end):
            for piece in fold_char(text[index]):
                out.append(piece)
                origin.append(index)
                extent.append(index + 1)
        last = end
    out.append(text[last:].lower())
    origin += range(last, len(text))
    extent += range(last + 1, len(text) + 1)
    return "".join(out), origin, extent


def _drop_ascii_controls(
    text: str, origin: Sequence[int], extent: Sequence[int]
) -> tuple[str, list[int], list[int]]:
    keep = [
        index
        for index, char in enumerate(text)
        if char in _KEEP_CONTROLS or (char >= " " and char != "\x7f")
    ]
    return (
        "".join(text[index] for index in keep),
        [origin[index] for index in keep],
        [extent[index] for index in keep],
    )


def _unleet(text: str) -> str:
    """Leetspeak folded inside words that hold letters; one character for one, so no map."""
    return _LEET_WORD.sub(_unleet_word, text)


def _unleet_word(match: re.Match[str]) -> str:
    word = match.group()
    if not _LETTER.search(word):
        return word  # a number, a price: not a disguised word
    # "idiot!!" and "¡cabrón!": marks at the edges of a word are punctuation, not letters.
    edges = _EDGE_BANGS.match(word)
    assert edges is not None  # the pattern matches any string
    before, core, after = edges.groups()
    return before + core.translate(LEET_TABLE) + after


def _join_spaced_letters(
    text: str, origin: Sequence[int], extent: Sequence[int], spaced: list[tuple[int, int]]
) -> tuple[str, Sequence[int], Sequence[int]]:
    edits: list[_Edit] = []
    for match in _SPACED_LETTERS.finditer(text):
        start, end = match.span()
        keep = [
            index for index in range(start, end) if text[index].isalnum() or text[index] in "@$"
        ]
        if sum(text[index].isalpha() for index in keep) < 2:
            continue  # "5 5 5 1 2 3 4" or "a 1 2" is not a word spelled out
        edits.append((start, end, keep))
        spaced.append((origin[start], extent[end - 1]))
    return _apply(text, origin, extent, edits)


def _squash_spaces(
    text: str, origin: Sequence[int], extent: Sequence[int]
) -> tuple[str, Sequence[int], Sequence[int]]:
    edits: list[_Edit] = [(match.start(), match.end(), " ") for match in _SPACES.finditer(text)]
    return _apply(text, origin, extent, edits)


def _squash_letters(
    text: str, origin: Sequence[int], extent: Sequence[int], lengths: list[int]
) -> tuple[str, Sequence[int], Sequence[int]]:
    edits: list[_Edit] = [
        (match.start(), match.end(), match.group(1)) for match in _LETTER_RUN.finditer(text)
    ]
    lengths.extend(end - start for start, end, _ in edits)
    return _apply(text, origin, extent, edits)


# (start, end, what replaces text[start:end]): the indices of the characters kept, each
# with its own map, or one character that stands for the whole span ("uuu" -> "u").
_Edit = tuple[int, int, list[int] | str]


def _apply(
    text: str, origin: Sequence[int], extent: Sequence[int], edits: list[_Edit]
) -> tuple[str, Sequence[int], Sequence[int]]:
    """Apply the edits (in text order, not overlapping) to the text and to its maps."""
    if not edits:
        return text, origin, extent
    parts: list[str] = []
    new_origin: list[int] = []
    new_extent: list[int] = []
    last = 0
    for start, end, replacement in edits:
        parts.append(text[last:start])
        new_origin += origin[last:start]
        new_extent += extent[last:start]
        if isinstance(replacement, str):
            parts.append(replacement)
            new_origin.append(origin[start])
            new_extent.append(extent[end - 1])
        else:
            parts.extend(text[index] for index in replacement)
            new_origin.extend(origin[index] for index in replacement)
            new_extent.extend(extent[index] for index in replacement)
        last = end
    parts.append(text[last:])
    new_origin += origin[last:]
    new_extent += extent[last:]
    return "".join(parts), new_origin, new_extent
