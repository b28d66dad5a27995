"""Author rules, on plain values the caller loaded into the RuleContext: a banned author is
rejected, a new author may be held, and so is an author who repeats a recent comment or posts
too fast. The pipeline never looks the author up itself."""

from __future__ import annotations

import re
from functools import lru_cache

from moderation.pipeline.normalise import normalise
from moderation.pipeline.rules.base import (
    RuleContext,
    SimpleRule,
    article_bool,
    article_float,
    article_int,
)
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


class PremoderatedAuthorRule(SimpleRule):
    """Holds every comment of an author whom moderators put on pre-moderation."""

    id = "author_premoderated"
    action = "hold"
    message = "the author's comments are pre-moderated"
    public_code = "premoderation"

    def check(self, context: RuleContext) -> list[RuleHit]:
        return [self.hit()] if context.author_premoderated else []


class AnonymousPremoderatedRule(SimpleRule):
    """Holds a comment posted without a commenter session on a site whose `anonymous` is
    "premoderate": anyone may write, and a person reads what nobody vouched for first.

    It holds trusted authors too: an anonymous author's id is whatever the request said, so
    trust given to it could be borrowed by anyone who sends the same id.
    """

    id = "anonymous_premoderated"
    action = "hold"
    message = "posted without signing in, on a site that pre-moderates anonymous comments"
    public_code = "premoderation"
    holds_trusted = True

    def check(self, context: RuleContext) -> list[RuleHit]:
        held = context.site_anonymous == "premoderate" and not context.author_verified
        return [self.hit()] if held else []


class NewAuthorRule(SimpleRule):
    """When `enabled`, holds an author with fewer than `min_approved` approved comments.

    Silent when the count is unknown. An article may set its own `premoderate_new_authors`
    and `new_author_min_approved`.
    """

    id = "new_author"
    action = "hold"
    message = "new author"
    public_code = "awaiting_review"

    def __init__(self, min_approved: int, enabled: bool = True) -> None:
        self.min_approved = min_approved
        self.enabled = enabled

    def check(self, context: RuleContext) -> list[RuleHit]:
        count = context.author_approved_count
        if count is None or not article_bool(context, "premoderate_new_authors", self.enabled):
            return []
        least = article_int(context, "new_author_min_approved", self.min_approved)
        if count >= least:
            return []
        return [self.hit(f"new author: {count} approved comments (fewer than {least})")]


class RateRule(SimpleRule):
    """Holds an author's comment when they posted more than `max_per_minute` in a minute.

    0 turns it off; an article may set its own `max_comments_per_minute`.
    """

    id = "author_rate"
    action = "hold"
    message = "too many comments in a minute"
    public_code = "too_fast"

    def __init__(self, max_per_minute: int) -> None:
        self.max_per_minute = max_per_minute

    def check(self, context: RuleContext) -> list[RuleHit]:
        count = context.recent_count_last_minute + 1  # with this one
        most = article_int(context, "max_comments_per_minute", self.max_per_minute)
        if not most or count <= most:
            return []
        return [self.hit(f"{count} comments in the last minute (at most {most})")]


class DuplicateRule(SimpleRule):
    """Holds a comment identical or nearly identical to one of the author's recent comments.

    Texts are compared as sets of three-letter pieces of their normalised letters (Jaccard
    similarity), so changed case, spacing, punctuation or a word or two still count. An
    article may set its own `duplicate_similarity`.
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
        best = max(similarity(mine, _text_shingles(text)) for text in context.recent_texts)
        if best < article_float(context, "duplicate_similarity", self.min_similarity):
            return []
        kind = "the same as" if best >= 1.0 else f"{best:.0%} like"
        return [self.hit(f"{kind} a recent comment by the same author")]


@lru_cache(maxsize=4096)
def _text_shingles(text: str) -> frozenset[str]:
    """The shingles of a recent comment; an author's recent comments come back batch after
    batch, so each is normalised once."""
    return _shingles(normalise(text).text)


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
