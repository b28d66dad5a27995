"""Shouting and noise: a comment mostly in capitals, one character repeated at length, one word
repeated over and over. Each holds the comment for a person.

These rules see every comment, so each starts with the cheapest look that rules most
comments out, and only then does the exact count. 0 turns a threshold's check off; an article
may set its own thresholds (the settings named in each rule).
"""

from __future__ import annotations

import re
from functools import lru_cache

from moderation.pipeline.rules.base import RuleContext, SimpleRule, article_float, article_int
from moderation.pipeline.verdict import RuleHit

_WORD = re.compile(r"\w+")
_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LETTERS = _ASCII_UPPER + _ASCII_UPPER.lower()


class ShoutingRule(SimpleRule):
    """Holds a comment whose letters are mostly capitals (with enough letters to judge).

    Settings: shouting_min_letters, shouting_capitals_share.
    """

    id = "shouting"
    action = "hold"
    message = "written mostly in capitals"
    public_code = "shouting"

    def __init__(self, min_letters: int, capitals_share: float) -> None:
        self.min_letters = min_letters
        self.capitals_share = capitals_share

    def check(self, context: RuleContext) -> list[RuleHit]:
        text = context.text
        min_letters = article_int(context, "shouting_min_letters", self.min_letters)
        capitals_share = article_float(context, "shouting_capitals_share", self.capitals_share)
        if not min_letters or len(text) < min_letters:
            return []
        if text.isascii():  # counting by deleting bytes runs in C
            data = text.encode("ascii")
            capitals = len(data) - len(data.translate(None, _ASCII_UPPER))
        else:
            capitals = sum(map(str.isupper, text))
        if capitals < capitals_share * min_letters:
            return []  # too few capitals to be shouting, however many letters
        if text.isascii():
            letters = len(data) - len(data.translate(None, _ASCII_LETTERS))
        else:
            letters = sum(map(str.isalpha, text))
        if letters < min_letters or capitals < capitals_share * letters:
            return []
        share = capitals / letters
        return [self.hit(f"{share:.0%} of {letters} letters are capitals", [(0, len(text))])]


class RepeatedCharactersRule(SimpleRule):
    """Holds a comment with one character repeated more than `max_run` times in a row.

    Setting: max_repeated_characters.
    """

    id = "repeated_characters"
    action = "hold"
    message = "a character repeated many times"
    public_code = "noise"

    def __init__(self, max_run: int) -> None:
        self.max_run = max_run

    def check(self, context: RuleContext) -> list[RuleHit]:
        text = context.text
        max_run = article_int(context, "max_repeated_characters", self.max_run)
        if not max_run:
            return []
        full, first_look = _run_patterns(max_run)
        if context.normalised.longest_run <= max_run and not first_look.search(text):
            return []
        runs = list(full.finditer(text))
        if not runs:
            return []
        longest = max(runs, key=lambda match: len(match.group()))
        message = (
            f"'{longest.group(1)}' repeated {len(longest.group())} times (more than {max_run})"
        )
        return [self.hit(message, [match.span() for match in runs])]


class RepeatedWordsRule(SimpleRule):
    """Holds a comment with one word repeated more than `max_repeats` times in a row.

    Setting: max_repeated_words.
    """

    id = "repeated_words"
    action = "hold"
    message = "a word repeated many times"
    public_code = "noise"

    def __init__(self, max_repeats: int) -> None:
        self.max_repeats = max_repeats

    def check(self, context: RuleContext) -> list[RuleHit]:
        # Normalised text, so "SPAM spam Spam" and "buy!!! buy buy" count as one word.
        max_repeats = article_int(context, "max_repeated_words", self.max_repeats)
        if not max_repeats:
            return []
        normalised = context.normalised
        tokens = normalised.text.split()
        if not any(map(str.__eq__, tokens, tokens[1:])):
            return []  # no word even once repeated at once (punctuation aside): most comments
        words = list(_WORD.finditer(normalised.text))
        runs: list[tuple[int, int]] = []  # (first, last) word index of each long run
        first = 0
        for index in range(1, len(words) + 1):
            if index < len(words) and words[index].group() == words[first].group():
                continue
            if index - first > max_repeats:
                runs.append((first, index - 1))
            first = index
        if not runs:
            return []
        start, end = runs[0]
        message = f"'{words[start].group()}' repeated {end - start + 1} times in a row"
        spans = [
            normalised.original_span(words[start].start(), words[end].end()) for start, end in runs
        ]
        return [self.hit(message, spans)]


@lru_cache(maxsize=32)
def _run_patterns(max_run: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The exact pattern for runs longer than `max_run`, and its cheap first look."""
    # Lines of dots, dashes, stars and the like decorate as often as they shout.
    full = re.compile(rf"(?i)([^\s.\-_=~*#])\1{{{max_run},}}")
    # Letter runs are measured by normalisation already; marks and symbols are looked for
    # with a pattern that starts with a character set, which the regex engine scans quickly.
    # (A run of one digit is not looked for: rare, and harmless.)
    first_look = re.compile(rf"[^\w\s.\-=~*#](?<=(.))\1{{{max_run}}}")
    return full, first_look
