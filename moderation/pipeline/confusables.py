"""Look-alike letters and leetspeak: the character tables that `normalise` folds with.

Two kinds of look-alikes:

- Letters of other scripts that render like a Latin letter (Cyrillic "а", Greek "ο",
  Armenian "օ", Lisu "ꓲ", Cherokee "Ꮒ"...) come from Unicode's confusables data (UTS #39,
  as shipped by the confusable_homoglyphs package) and are folded only where they disguise a
  Latin word: in a word that mixes them with Latin letters ("idiօt", "ѕһіt"), or in a word
  made of them alone inside Latin text ("аѕѕ" in an English sentence). Ordinary Russian or
  Greek text is left as written (`fold_lookalikes`).
- Latin letter forms and symbols that NFKC leaves alone (small capitals of "fancy text"
  generators, "ł", "ø", "€") are always folded (`HOMOGLYPHS`); fullwidth and other
  compatibility forms are already folded by NFKC.

Both fold one character to one character, as leetspeak does, so no folded character moves:
every folded piece still remembers which original character it came from.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

# Latin letter forms and symbols that render like a plain Latin letter (after casefold).
HOMOGLYPHS: dict[str, str] = {
    # Latin small capitals and other letter forms of "fancy text" generators
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ꜰ": "f",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ʀ": "r",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ʏ": "y",
    "ᴢ": "z",
    "ɑ": "a",
    "ɡ": "g",
    "ȷ": "j",
    # Latin letters and symbols outside ASCII that NFKC leaves alone
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ħ": "h",
    "ŧ": "t",
    "ƒ": "f",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "¡": "!",
    "€": "e",
    "£": "l",
    "¥": "y",
    "©": "c",
    "®": "r",
}

# Digits and symbols that stand for letters inside a word ("sh1t", "@ss", "$hit").
LEET: dict[str, str] = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
}

LEET_TABLE = str.maketrans(LEET)


_WORD = re.compile(r"[^\W\d_]+")
_OTHER_LETTERS = re.compile(r"[^\W\d_a-z]")
_NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED"})


@cache
def _confusables() -> dict[str, Any]:
    """UTS #39 confusables, loaded on first use (the package reads its data when imported)."""
    from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

    data: dict[str, Any] = confusables.confusables_data
    return data


@lru_cache(maxsize=8192)
def script(char: str) -> str:
    """The Unicode script of a character, in the data's names ("LATIN", "CYRILLIC", "COMMON")."""
    if char.isascii():
        return "LATIN" if char.isalpha() else "COMMON"
    from confusable_homoglyphs import categories

    return str(categories.alias(char))


@lru_cache(maxsize=8192)
def latin_lookalike(char: str) -> str | None:
    """The plain Latin letter that `char`, a letter of another script, renders like, if any.

    Lower-case letters fall back on their capital's look-alike (text is case-folded before
    this, so "ΙDΙΟΤ" arrives as "ιdιοτ"). UTS #39 gives "l" as the look-alike of every
    letter shaped like a capital I; a letter named I ("LISU LETTER I") is taken as "i".
    """
    for candidate in (char, char.upper()):
        for glyph in _confusables().get(candidate, ()):
            found = _plain(glyph["c"])
            if found == "l" and unicodedata.name(char, "").endswith(" LETTER I"):
                return "i"
            if found:
                return found
    return None


def _plain(glyph: str) -> str | None:
    """A one-letter Latin look-alike as a plain lower-case letter a-z, else None."""
    if len(glyph) != 1:
        return None
    folded = HOMOGLYPHS.get(glyph, unicodedata.normalize("NFKD", glyph.casefold())[:1])
    return folded if len(folded) == 1 and "a" <= folded <= "z" else None


def fold_lookalikes(text: str) -> str:
    """Letters of other scripts folded to the Latin letters they imitate, where they disguise
    a Latin word; one character for one, so positions do not move.

    A word is folded when it mixes Latin letters with look-alikes of another script, or when
    it is made of look-alikes alone and the text holds at least as many letters of Latin,
    mixed and look-alike words as of words in other scripts ("you аѕѕ", but not "как" in a
    Russian sentence). Each word counts the same before and after folding, so folding twice
    changes nothing more.
    """
    if all(script(char) == "LATIN" for char in set(_OTHER_LETTERS.findall(text))):
        return text  # accented Latin only ("café"): the common case
    words = []
    latin = other = 0
    for match in _WORD.finditer(text):
        word = match.group()
        scripts = _scripts(word)
        folded = [char if script(char) == "LATIN" else latin_lookalike(char) for char in word]
        lookalikes = scripts - {"LATIN"} and all(char is not None for char in folded)
        if "LATIN" in scripts or lookalikes:
            latin += len(word)
        elif scripts:
            other += len(word)
        if scripts - {"LATIN"}:
            words.append((match, "LATIN" in scripts, folded))
    pieces: list[str] = []
    last = 0
    for match, mixed, folded in words:
        if not mixed and (latin < other or any(char is None for char in folded)):
            continue  # a word of another script, in text of that script, is just a word
        pieces.append(text[last : match.start()])
        pieces.append("".join(new or old for new, old in zip(folded, match.group(), strict=True)))
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


def _scripts(word: str) -> frozenset[str]:
    return frozenset(script(char) for char in word) - _NEUTRAL_SCRIPTS
