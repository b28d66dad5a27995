"""The rule interface: what a rule sees (RuleContext) and what it must provide (Rule)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Protocol, runtime_checkable

from moderation.pipeline.normalise import Normalised, normalise
from moderation.pipeline.verdict import Action, RuleHit, ScoreAdjustment


@dataclasses.dataclass(frozen=True)
class RuleContext:
    """What a rule may look at: the text and plain values the caller loaded for it.

    The pipeline never looks anything up itself. Every field past the text has a default that
    makes its rules stay silent, so a caller that has not loaded a value yet loses nothing
    but that rule. `recent_texts` are the same author's other comments within the duplicate
    window; `recent_count_last_minute` counts the author's other comments in the last minute;
    `author_approved_count` is None when unknown. `article_rules` holds the article's own
    values for [rules] settings, by setting name ({"max_links": 0}); see ARTICLE_SETTINGS.
    """

    text: str
    article_id: str = ""
    author_id: str = ""
    author_banned: bool = False
    author_trusted: bool = False
    author_premoderated: bool = False
    author_approved_count: int | None = None
    recent_texts: tuple[str, ...] = ()
    recent_count_last_minute: int = 0
    article_closed: bool = False
    article_premoderate: bool = False
    # The article is in a surge (moderation/surge/): pre-moderated by itself for a while.
    article_surge: bool = False
    article_rules: Mapping[str, object] = dataclasses.field(default_factory=dict)
    # The comment's site (sites/): its own model levels ({"toxicity": {"hold": 0.6}}), over
    # the service's, and the terms it adds to the word lists ({"banned": (...), "suspect": ...}).
    site_id: str = ""
    site_premoderate: bool = False
    site_thresholds: Mapping[str, Mapping[str, float]] = dataclasses.field(default_factory=dict)
    site_words: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    # Whether the author came with a commenter session the site signed (sites/commenters.py),
    # and what the site does with authors who did not: "allow", "premoderate" (held) or "off".
    author_verified: bool = False
    site_anonymous: str = "allow"

    @cached_property
    def normalised(self) -> Normalised:
        return normalise(self.text)


class Rule(Protocol):
    """One rule: an id and a check that returns its hits (empty when it does not apply)."""

    id: str

    def check(self, context: RuleContext) -> list[RuleHit]: ...


@dataclasses.dataclass(frozen=True)
class PlannedAdjustment:
    """What an adjuster takes off a comment's scores, known before the model scores it.

    `shifts` gives the logits each label loses. Known beforehand, they let a model that
    confirms int8 scores in float near the thresholds also confirm near the levels that the
    adjusted scores are compared with (a raw score near "threshold + shift").
    """

    rule_id: str
    shifts: Mapping[str, float]
    # Why, in words; the scores before and after follow it in the verdict.
    reason: str

    def apply(self, scores: Mapping[str, float]) -> ScoreAdjustment:
        """The adjustment of these scores (labels the model does not produce are left out)."""
        before = {label: scores[label] for label in self.shifts if label in scores}
        after = {label: shifted(value, self.shifts[label]) for label, value in before.items()}
        message = f"{self.reason}: " + ", ".join(
            f"{label} {before[label]:.2f} -> {after[label]:.2f}" for label in before
        )
        return ScoreAdjustment(self.rule_id, message, before, after)


def shifted(probability: float, logits: float) -> float:
    """`probability` moved down by `logits` on the logit scale."""
    probability = min(max(probability, 1e-9), 1 - 1e-9)
    value = math.log(probability / (1 - probability)) - logits
    return 1 / (1 + math.exp(-value))


@runtime_checkable
class ScoreAdjuster(Protocol):
    """A rule that may also change the model's scores of a comment, saying why.

    The pipeline asks it for its plan before the model scores the comment, with the comment's
    rule hits, and applies the plan to the scores; the verdict shows every adjustment with the
    scores before and after.
    """

    id: str

    def check(self, context: RuleContext) -> list[RuleHit]: ...

    def plan(self, context: RuleContext, hits: Sequence[RuleHit]) -> PlannedAdjustment | None: ...


# The [rules] settings an article may override; the rules that read them say so.
ARTICLE_SETTINGS = frozenset(
    {
        "links",
        "link_allow_domains",
        "link_deny_domains",
        "max_links",
        "link_hold_until_approved",
        "min_length",
        "max_length",
        "shouting_min_letters",
        "shouting_capitals_share",
        "max_repeated_characters",
        "max_repeated_words",
        "personal_data",
        "duplicate_similarity",
        "max_comments_per_minute",
        "premoderate_new_authors",
        "new_author_min_approved",
    }
)


def article_int(context: RuleContext, name: str, default: int) -> int:
    """The article's whole-number value for a setting, else `default`."""
    value = context.article_rules.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def article_float(context: RuleContext, name: str, default: float) -> float:
    """The article's number for a setting, else `default`."""
    value = context.article_rules.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def article_bool(context: RuleContext, name: str, default: bool) -> bool:
    """The article's true/false for a setting, else `default`."""
    value = context.article_rules.get(name)
    return value if isinstance(value, bool) else default


def article_str(context: RuleContext, name: str, default: str) -> str:
    """The article's text value for a setting, else `default`."""
    value = context.article_rules.get(name)
    return value if isinstance(value, str) else default


def article_list(context: RuleContext, name: str, default: Iterable[str]) -> list[str]:
    """The article's list for a setting when it has one, else `default`."""
    value = context.article_rules.get(name)
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return list(value)
    return list(default)


class SimpleRule:
    """A rule with one kind of hit: its id, action, default message and public code."""

    id: str
    action: Action
    message: str
    public_code: str
    holds_trusted = False  # whether its hold also applies to trusted authors

    def hit(self, message: str | None = None, spans: Sequence[tuple[int, int]] = ()) -> RuleHit:
        """A hit of this rule, optionally with a more specific message."""
        return RuleHit(
            self.id,
            self.action,
            message or self.message,
            self.public_code,
            tuple(spans),
            holds_trusted=self.holds_trusted,
        )


def run_rules(rules: Sequence[Rule], context: RuleContext) -> list[RuleHit]:
    """Every rule's hits for one comment, in rule order."""
    hits: list[RuleHit] = []
    for rule in rules:
        hits.extend(rule.check(context))
    return hits
