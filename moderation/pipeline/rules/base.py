"""The rule interface: what a rule sees (RuleContext) and what it must provide (Rule)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cached_property
from typing import Protocol

from moderation.pipeline.normalise import Normalised, normalise
from moderation.pipeline.verdict import RuleHit


@dataclasses.dataclass(frozen=True)
class RuleContext:
    """What a rule may look at: the text and plain values the caller loaded for it."""

    text: str
    article_id: str = ""
    author_id: str = ""

    @cached_property
    def normalised(self) -> Normalised:
        return normalise(self.text)


class Rule(Protocol):
    """One rule: an id and a check that returns its hits (empty when it does not apply)."""

    id: str

    def check(self, context: RuleContext) -> list[RuleHit]: ...


def run_rules(rules: Sequence[Rule], context: RuleContext) -> list[RuleHit]:
    """Every rule's hits for one comment, in rule order."""
    hits: list[RuleHit] = []
    for rule in rules:
        hits.extend(rule.check(context))
    return hits
