"""Rule filters: small classes that each look for one thing and say why.

A rule has an `id` and `check(context) -> list[RuleHit]`; each hit carries the rule's id,
action, a message for moderators, a public code for the author and the spans it matched.
All rules run on every comment (none short-circuits), so the verdict lists every reason.
`build_rules(settings)` makes the configured set; new rules slot in by adding a class and a
line there.
"""

from __future__ import annotations

from moderation.config import RulesSettings, resolve_path
from moderation.pipeline.rules.article import (
    ArticleClosedRule,
    ArticlePremoderatedRule,
    ArticleSurgeRule,
    SitePremoderatedRule,
)
from moderation.pipeline.rules.author import (
    AnonymousPremoderatedRule,
    BannedAuthorRule,
    DuplicateRule,
    NewAuthorRule,
    PremoderatedAuthorRule,
    RateRule,
)
from moderation.pipeline.rules.base import ARTICLE_SETTINGS, Rule, RuleContext, run_rules
from moderation.pipeline.rules.identity import (
    IdentityBias,
    IdentityCorrection,
    load_hostile_words,
    load_identity_bias,
    load_identity_terms,
)
from moderation.pipeline.rules.length import LengthRule
from moderation.pipeline.rules.links import LinkRule
from moderation.pipeline.rules.noise import RepeatedCharactersRule, RepeatedWordsRule, ShoutingRule
from moderation.pipeline.rules.patterns import PatternRule, load_patterns
from moderation.pipeline.rules.personal import PersonalDataRule
from moderation.pipeline.rules.site_terms import SiteTermsRule
from moderation.pipeline.rules.terms import TermIndex, TermListRule
from moderation.pipeline.rules.threats import ThreatRule, load_threats
from moderation.pipeline.rules.wordlists import WordLists, WordListSource

__all__ = ["ARTICLE_SETTINGS", "PUBLIC_CODES", "Rule", "RuleContext", "build_rules", "run_rules"]

# The author-facing reason codes the rules give a held or rejected comment (the widget words
# each one for the reader); never more detail than this reaches the author.
PUBLIC_CODES = {
    "offensive_language": "a banned term, or a pattern rule that rejects",
    "awaiting_review": "a suspect term, a pattern rule, a new author: a person will read it",
    "links": "links (any, outside the allow list, or too many)",
    "spam": "a link to a denied domain",
    "shouting": "written mostly in capitals",
    "noise": "a character or a word repeated many times",
    "length": "too short or too long",
    "personal_data": "an e-mail address or a phone number",
    "duplicate": "the same as a recent comment by the same author",
    "too_fast": "too many comments in a minute",
    "author_banned": "the author is banned",
    "comments_closed": "the article is closed to comments",
    "premoderation": "the article or the author is pre-moderated, or the site pre-moderates "
    "comments posted without signing in: a moderator reads it first",
    "article_surge": "the discussion is heated (surge protection): for a while a moderator reads "
    "every comment on the article first",
}


def build_rules(
    settings: RulesSettings, word_lists: WordListSource | WordLists | None = None
) -> list[Rule]:
    """The rule set that `settings` configures (word lists from `word_lists` if given).

    Pass a `WordListSource` to keep a handle on it: its `reload()` is the admin call that
    re-reads the lists at once. Fixed `WordLists` (tests, benchmarks) never reload.
    """
    source: WordListSource | WordLists = word_lists or WordListSource(
        resolve_path(settings.word_lists_dir), settings.languages, settings.reload_check_seconds
    )
    terms = TermIndex(source)  # one automaton, one pass, for both lists
    folder = resolve_path(settings.word_lists_dir)
    # Banned terms come first: the first rule reason of a rejected comment names them.
    rules: list[Rule] = [
        TermListRule(
            "banned_terms", terms, "banned", "reject", "banned term", "offensive_language"
        ),
        TermListRule("suspect_terms", terms, "suspect", "hold", "suspect term", "awaiting_review"),
        SiteTermsRule(),
        PatternRule(
            load_patterns(resolve_path(settings.patterns_file)), settings.pattern_time_limit_ms
        ),
        ThreatRule(
            load_threats(resolve_path(settings.word_lists_dir), settings.languages),
            settings.threat_time_limit_ms,
        ),
        LinkRule(
            settings.links,
            settings.link_allow_domains,
            settings.max_links,
            settings.link_deny_domains,
            settings.link_hold_until_approved,
        ),
        LengthRule(settings.min_length, settings.max_length),
        BannedAuthorRule(),
        PremoderatedAuthorRule(),
        AnonymousPremoderatedRule(),
        ArticleClosedRule(),
        ArticlePremoderatedRule(),
        ArticleSurgeRule(),
        SitePremoderatedRule(),
        RateRule(settings.max_comments_per_minute),
        DuplicateRule(settings.duplicate_similarity),
        # Built even when the site turns them off: an article may turn them on.
        PersonalDataRule(settings.personal_data, settings.phone_regions),
        ShoutingRule(settings.shouting_min_letters, settings.shouting_capitals_share),
        RepeatedCharactersRule(settings.max_repeated_characters),
        RepeatedWordsRule(settings.max_repeated_words),
        NewAuthorRule(settings.new_author_min_approved, settings.premoderate_new_authors),
        # Not a rule that holds: it adjusts the model's scores after the other rules ran.
        IdentityCorrection(
            load_identity_terms(folder, settings.languages, labelled=True),
            load_hostile_words(folder, settings.languages),
            load_identity_bias(resolve_path(settings.identity_bias_file))
            if settings.identity_bias_file
            else IdentityBias({}),
            settings.identity_correction,
        ),
    ]
    return rules
