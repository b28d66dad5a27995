"""Shouting and noise: a comment mostly in capitals, one character repeated at length, one word
repeated over and over. Each holds the comment for a person."""

from __future__ import annotations

import re

import regex  # type: ignore[import-untyped]

from moderation.pipeline.rules.base import RuleContext, SimpleRule
from moderation.pipeline.verdict import RuleHit

_UPPER = regex.compile(r"\p{Lu}")
_LETTERS = regex.compile(r"\p{L}")
_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LETTERS = _ASCII_UPPER + _ASCII_UPPER.lower()


class ShoutingRule(SimpleRule):
    """Holds a comment whose letters are mostly capitals (with enough letters to judge)."""

    id = "shouting"
    action = "hold"
    message = "written mostly in capitals"
    public_code = "shouting"

    def __init__(self, min_letters: int, capitals_share: float) -> None:
        self.min_letters = min_letters
        self.capitals_share = capitals_share

    def check(self, context: RuleContext) -> list[RuleHit]:
        text = context.text
        if text.islower() or len(text) < self.min_letters:
            return []
        if text.isascii():  # counting by deleting bytes runs in C: this rule sees every comment
            data = text.encode("ascii")
            letters = len(data) - len(data.translate(None, _ASCII_LETTERS))
            capitals = len(data) - len(data.translate(None, _ASCII_UPPER))
        else:
            letters = len(_LETTERS.findall(text))
            capitals = len(_UPPER.findall(text))
        if letters < self.min_letters or capitals < self.capitals_share * letters:
            return []
        share = capitals / letters
        return [self.hit(f"{share:.0%} of {letters} letters are capitals", [(0, len(text))])]


class RepeatedCharactersRule(SimpleRule):
    """Holds a comment with one character repeated more than `max_run` times in a row."""

    id = "repeated_characters"
    action = "hold"
    message = "a character repeated many times"
    public_code = "noise"

    def __init__(self, max_run: int) -> None:
        self.max_run = max_run
        self._pattern = re.compile(rf"(\S)\1{{{max_run},}}")

    def check(self, context: RuleContext) -> list[RuleHit]:
        runs = list(self._pattern.finditer(context.text))
        if not runs:
            return []
        longest = max(runs, key=lambda match: len(match.group()))
        message = (
            f"'{longest.group(1)}' repeated {len(longest.group())} times (more than {self.max_run})"
        )
        return [self.hit(message, [match.span() for match in runs])]


class RepeatedWordsRule(SimpleRule):
    """Holds a comment with one word repeated more than `max_repeats` times in a row."""

    id = "repeated_words"
    action = "hold"
    message = "a word repeated many times"
    public_code = "noise"

    def __init__(self, max_repeats: int) -> None:
        self.max_repeats = max_repeats
        self._pattern = re.compile(rf"\b(\w+)(?:\W{{1,5}}\1\b){{{max_repeats},}}")

    def check(self, context: RuleContext) -> list[RuleHit]:
        # Normalised text, so "SPAM spam Spam" and "buy!!! buy buy" count as one word.
        normalised = context.normalised
        runs = list(self._pattern.finditer(normalised.text))
        if not runs:
            return []
        first = runs[0]
        count = len(re.findall(rf"\b{re.escape(first.group(1))}\b", first.group()))
        message = f"'{first.group(1)}' repeated {count} times in a row"
        return [self.hit(message, [normalised.original_span(*match.span()) for match in runs])]
