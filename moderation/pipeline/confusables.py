"""Look-alike letters and leetspeak: the character tables that `normalise` folds with.

Only letters that abusers actually swap in are listed (Cyrillic and Greek letters that look
Latin, a few symbols); fullwidth and other compatibility forms are already folded by NFKC.
Leetspeak maps one character to one character, so it never moves a character's position;
every folded piece still remembers which original character it came from.
"""

from __future__ import annotations

# Lower-case Cyrillic and Greek letters that render like a Latin letter (after casefold).
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a",
    "в": "b",
    "г": "r",
    "е": "e",
    "ё": "e",
    "з": "3",
    "и": "u",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "к": "k",
    "л": "n",
    "м": "m",
    "н": "h",
    "о": "o",
    "п": "n",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "ф": "f",
    "х": "x",
    "ц": "u",
    "ч": "4",
    "ш": "w",
    "щ": "w",
    "ъ": "b",
    "ь": "b",
    "ѕ": "s",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "һ": "h",
    "ӏ": "l",
    "ү": "y",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "y",
    "δ": "d",
    "ε": "e",
    "ζ": "z",
    "η": "n",
    "θ": "o",
    "ι": "i",
    "κ": "k",
    "λ": "a",
    "μ": "u",
    "ν": "v",
    "ξ": "e",
    "ο": "o",
    "π": "n",
    "ρ": "p",
    "σ": "o",
    "ς": "c",
    "τ": "t",
    "υ": "u",
    "φ": "f",
    "χ": "x",
    "ψ": "w",
    "ω": "w",
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
