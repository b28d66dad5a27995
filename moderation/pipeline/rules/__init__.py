"""Rule filters: small classes that each look for one thing and say why.

A rule has an `id` and `check(context) -> list[RuleHit]`. All rules run on every comment
(none short-circuits), so the verdict lists every reason. `build_rules(settings)` makes the
configured set; new rules slot in by adding a class and a line there.
"""

from __future__ import annotations

from moderation.config import RulesSettings, resolve_path
from moderation.pipeline.rules.base import Rule, RuleContext, run_rules
from moderation.pipeline.rules.links import LinkRule
from moderation.pipeline.rules.terms import TermListRule, load_word_lists

__all__ = ["Rule", "RuleContext", "build_rules", "run_rules"]


def build_rules(settings: RulesSettings) -> list[Rule]:
    """The rule set that `settings` configures."""
    banned, suspect = load_word_lists(resolve_path(settings.word_lists_dir), settings.languages)
    rules: list[Rule] = [
        TermListRule("banned_terms", banned, "reject", "banned term", "offensive_language"),
        TermListRule("suspect_terms", suspect, "hold", "suspect term", "awaiting_review"),
    ]
    if settings.links != "off":
        rules.append(LinkRule(settings.links, settings.link_allow_domains, settings.max_links))
    return rules
