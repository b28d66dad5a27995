"""Article state, a plain value the caller loaded: comments on a closed article are rejected;
an article set to pre-moderate, or in a surge, holds every comment, trusted authors' included."""

from __future__ import annotations

from moderation.pipeline.rules.base import RuleContext, SimpleRule
from moderation.pipeline.verdict import RuleHit


class ArticleClosedRule(SimpleRule):
    """Rejects comments on an article closed to comments."""

    id = "article_closed"
    action = "reject"
    message = "the article is closed to comments"
    public_code = "comments_closed"

    def check(self, context: RuleContext) -> list[RuleHit]:
        return [self.hit()] if context.article_closed else []


class ArticlePremoderatedRule(SimpleRule):
    """Holds every comment on an article set to pre-moderation."""

    id = "article_premoderated"
    action = "hold"
    message = "the article pre-moderates every comment"
    public_code = "premoderation"
    holds_trusted = True

    def check(self, context: RuleContext) -> list[RuleHit]:
        return [self.hit()] if context.article_premoderate else []


class ArticleSurgeRule(SimpleRule):
    """Holds every comment on an article in a surge: surge protection pre-moderates a heated
    article by itself until it cools down (moderation/surge/). Its own rule id and public code,
    so moderators, the author and the figures tell it from a newsroom's manual pre-moderation."""

    id = "article_surge"
    action = "hold"
    message = "the article is in a surge: every comment waits for a person until it cools down"
    public_code = "article_surge"
    holds_trusted = True

    def check(self, context: RuleContext) -> list[RuleHit]:
        return [self.hit()] if context.article_surge else []


class SitePremoderatedRule(SimpleRule):
    """Holds every comment of a site set to pre-moderation (its `settings.premoderate`)."""

    id = "site_premoderated"
    action = "hold"
    message = "the site pre-moderates every comment"
    public_code = "premoderation"
    holds_trusted = True

    def check(self, context: RuleContext) -> list[RuleHit]:
        return [self.hit()] if context.site_premoderate else []
