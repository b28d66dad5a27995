"""Several policies on one batch (`ScoringPipeline.score_runs`): each text scored once per
model, rules run again only when a policy's rule settings differ, a verdict per policy."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from moderation.pipeline.routing import LoadedModel
from moderation.pipeline.rules import RuleContext
from moderation.pipeline.rules.article import ArticlePremoderatedRule
from moderation.pipeline.scoring import PolicyRun, ScoringPipeline
from moderation.pipeline.verdict import RuleHit


class FakeScorer:
    """Scores every text with one toxicity score; keeps each call's texts."""

    labels = ("toxicity",)

    def __init__(self, toxicity: float, description: str = "fake") -> None:
        self.toxicity = toxicity
        self.description = description
        self.calls: list[list[str]] = []

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        return [{"toxicity": self.toxicity} for _ in texts]


class CountingRule(ArticlePremoderatedRule):
    """The article pre-moderation rule, counting the comments it looks at."""

    def __init__(self) -> None:
        self.checked = 0

    def check(self, context: RuleContext) -> list[RuleHit]:
        self.checked += 1
        return super().check(context)


def test_a_shadow_shares_the_model_call_and_reuses_the_rules_when_only_levels_differ() -> None:
    scorer, rule = FakeScorer(0.4), CountingRule()
    pipeline = ScoringPipeline([rule], scorer, {"toxicity": (0.5, 0.9)})
    live = [RuleContext(f"comment {n}") for n in range(3)]
    stricter = {"toxicity": {"hold": 0.2, "reject": 0.3}}
    runs = [
        [PolicyRun(c), PolicyRun(dataclasses.replace(c, site_thresholds=stricter))] for c in live
    ]
    verdicts = pipeline.score_runs(runs)
    assert scorer.calls == [["comment 0", "comment 1", "comment 2"]]  # once, not twice
    assert rule.checked == 3  # the shadow's rule inputs equal the live ones: hits reused
    assert [[v.decision for v in pair] for pair in verdicts] == [["approve", "reject"]] * 3


def test_a_shadow_with_other_rule_settings_or_its_own_model_is_scored_apart() -> None:
    scorer, rule = FakeScorer(0.1), CountingRule()
    own = FakeScorer(0.95, "site model")
    pipeline = ScoringPipeline([rule], scorer, {"toxicity": (0.5, 0.9)})
    live = RuleContext("a comment", article_premoderate=False)
    premoderating = dataclasses.replace(live, article_premoderate=True)
    verdicts = pipeline.score_runs(
        [
            [PolicyRun(live), PolicyRun(premoderating)],
            [PolicyRun(live), PolicyRun(live, LoadedModel(own, own.description))],
        ]
    )
    assert rule.checked == 3  # the premoderating shadow ran the rules again
    assert scorer.calls == [["a comment", "a comment"]]  # one call, each comment once
    assert own.calls == [["a comment"]]
    first, second = verdicts
    assert [v.decision for v in first] == ["approve", "hold"]
    assert [v.decision for v in second] == ["approve", "reject"]
    assert second[1].model_description == "site model"
    # score_batch is the live run alone
    assert [v.decision for v in pipeline.score_batch([live])] == ["approve"]


class ConfirmingScorer(FakeScorer):
    """A FakeScorer that, like int8 confirmed in float, is told the levels that decide."""

    def __init__(self, toxicity: float) -> None:
        super().__init__(toxicity)
        self.levels: list[dict[str, list[float]]] = []

    def confirm_near(self, points: dict[str, list[float]]) -> None:
        self.levels.append(points)


def test_a_site_s_own_thresholds_reach_the_model_that_confirms_near_them() -> None:
    scorer = ConfirmingScorer(0.4)
    pipeline = ScoringPipeline([], scorer, {"toxicity": (0.5, 0.9)})
    stricter = {"toxicity": {"hold": 0.2, "reject": 0.3}}
    pipeline.score_runs(
        [
            [PolicyRun(RuleContext("the service's levels only"))],
            [PolicyRun(RuleContext("a site's own", site_thresholds=stricter))],
        ]
    )
    assert scorer.levels == [{"toxicity": [0.2, 0.3]}]
