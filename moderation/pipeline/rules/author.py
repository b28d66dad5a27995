"""Author rules, on plain values the caller loaded into the RuleContext: a banned author is
rejected, a new author may be held, and so is an author who repeats a recent comment or posts
too fast. The pipeline never looks the author up itself."""

from __future__ import annotations

import re

from moderation.pipeline.normalise import normalise
from moderation.pipeline.rules.base import RuleContext, SimpleRule
from moderation.pipeline.verdict import RuleHit

_NOT_WORD = re.compile(r"[\W_]+")
_SHINGLE = 3


class BannedAuthorRule(SimpleRule):
    """Rejects every comment of a banned author."""

    id = "author_banned"
    action = "reject"
    message = "the author is banned"
    public_code = "author_banned"

    def check(self, context: RuleContext) -> list[RuleHit]:
        return [self.hit()] if context.author_banned else []


class NewAuthorRule(SimpleRule):
    """Holds an author with fewer than `min_approved` approved comments (when known)."""

    id = "new_author"
    action = "hold"
    message = "new author"
    public_code = "awaiting_review"

    def __init__(self, min_approved: int) -> None:
        self.min_approved = min_approved

    def check(self, context: RuleContext) -> list[RuleHit]:
        count = context.author_approved_count
        if count is None or count >= self.min_approved:
            return []
        return [self.hit(f"new author: {count} approved comments (fewer than {self.min_approved})")]


class RateRule(SimpleRule):
    """Holds an author's comment when they posted more than `max_per_minute` in a minute."""

    id = "author_rate"
    action = "hold"
    message = "too many comments in a minute"
    public_code = "too_fast"

    def __init__(self, max_per_minute: int) -> None:
        self.max_per_minute = max_per_minute

    def check(self, context: RuleContext) -> list[RuleHit]:
        count = context.recent_count_last_minute + 1  # with this one
        if count <= self.max_per_minute:
            return []
        return [self.hit(f"{count} comments in the last minute (at most {self.max_per_minute})")]


class DuplicateRule(SimpleRule):
    """Holds a comment identical or nearly identical to one of the author's recent comments.

    Texts are compared as sets of three-letter pieces of their normalised letters (Jaccard
    similarity), so changed case, spacing, punctuation or a word or two still count.
    """

    id = "duplicate"
    action = "hold"
    message = "repeats a recent comment by the same author"
    public_code = "duplicate"

    def __init__(self, min_similarity: float) -> None:
        self.min_similarity = min_similarity

    def check(self, context: RuleContext) -> list[RuleHit]:
        if not context.recent_texts:
            return []
        mine = _shingles(context.normalised.text)
        best = max(
            similarity(mine, _shingles(normalise(text).text)) for text in context.recent_texts
        )
        if best < self.min_similarity:
            return []
        kind = "the same as" if best >= 1.0 else f"{best:.0%} like"
        return [self.hit(f"{kind} a recent comment by the same author")]


def _shingles(text: str) -> frozenset[str]:
    letters = _NOT_WORD.sub("", text)
    if len(letters) <= _SHINGLE:
        return frozenset({letters})
    return frozenset(letters[i : i + _SHINGLE] for i in range(len(letters) - _SHINGLE + 1))


def similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Jaccard similarity of two shingle sets (1.0: the same)."""
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)
