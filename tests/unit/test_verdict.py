"""decide() and the scoring pipeline: the strictest reason wins, trusted authors skip holds."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.pipeline.rules import RuleContext
from moderation.pipeline.rules.article import ArticlePremoderatedRule
from moderation.pipeline.rules.terms import TermListRule
from moderation.pipeline.rules.wordlists import WordLists
from moderation.pipeline.scoring import ScoringPipeline
from moderation.pipeline.verdict import RuleHit, decide

THRESHOLDS = {"toxicity": (0.5, 0.9)}
HOLD = RuleHit("suspect_terms", "hold", "suspect term 'idiot'", "awaiting_review", ((0, 5),))
REJECT = RuleHit("banned_terms", "reject", "banned term 'kys'", "offensive_language", ((0, 3),))
BINDING = RuleHit("article_premoderated", "hold", "premoderated", "premoderation", (), True)


class FakeScorer:
    """Scores every text with fixed label scores."""

    labels = ("toxicity",)
    description = "fake"

    def __init__(self, toxicity: float) -> None:
        self.toxicity = toxicity
        self.seen: list[str] = []

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.seen += texts
        return [{"toxicity": self.toxicity} for _ in texts]


def test_strictest_reason_wins() -> None:
    assert decide([], {"toxicity": 0.1}, THRESHOLDS).decision == "approve"
    assert decide([HOLD], {"toxicity": 0.1}, THRESHOLDS).decision == "hold"
    assert decide([HOLD, REJECT], {"toxicity": 0.1}, THRESHOLDS).decision == "reject"
    assert decide([], {"toxicity": 0.95}, THRESHOLDS).decision == "reject"
    assert decide([], None, THRESHOLDS, model_error="down").decision == "hold"


def test_trusted_author_skips_rule_and_model_holds() -> None:
    verdict = decide([HOLD], {"toxicity": 0.6}, THRESHOLDS, trusted=True)
    assert verdict.decision == "approve"
    assert verdict.public_reason is None
    assert verdict.trusted_skipped_hold
    assert "trusted author" in verdict.summary
    note = verdict.reasons()[-1]
    assert (note["kind"], note["id"], note["action"]) == ("author", "trusted_author", None)
    # the skipped reasons are still written down for moderators
    assert verdict.reasons()[0]["message"] == "suspect term 'idiot'"


def test_trusted_author_never_skips_the_reject_band() -> None:
    assert decide([REJECT], {"toxicity": 0.1}, THRESHOLDS, trusted=True).decision == "reject"
    rejected = decide([HOLD], {"toxicity": 0.95}, THRESHOLDS, trusted=True)
    assert rejected.decision == "reject"
    assert not rejected.trusted_skipped_hold


def test_trusted_author_still_held_by_binding_holds_and_missing_scores() -> None:
    held = decide([HOLD, BINDING], {"toxicity": 0.1}, THRESHOLDS, trusted=True)
    assert held.decision == "hold"
    assert held.public_reason == "premoderation"  # not the suspect term the author skipped
    unscored = decide([HOLD], None, THRESHOLDS, model_error="down", trusted=True)
    assert unscored.decision == "hold"
    assert unscored.public_reason == "awaiting_review"


def test_reasons_carry_spans_and_public_codes() -> None:
    verdict = decide([HOLD, REJECT], {"toxicity": 0.2}, THRESHOLDS)
    assert verdict.public_reason == "offensive_language"
    first = verdict.reasons()[0]
    assert first == {
        "kind": "rule",
        "id": "suspect_terms",
        "action": "hold",
        "message": "suspect term 'idiot'",
        "public_code": "awaiting_review",
        "spans": [[0, 5]],
    }
    model = verdict.reasons()[-1]
    assert (model["kind"], model["band"], model["action"]) == ("model", "publish", None)


def pipeline(scorer: FakeScorer) -> ScoringPipeline:
    lists = WordLists.of(banned=["kys"], suspect=["idiot"])
    rules = [
        TermListRule("banned_terms", lists, "banned", "reject", "banned term", "offensive"),
        TermListRule("suspect_terms", lists, "suspect", "hold", "suspect term", "review"),
        ArticlePremoderatedRule(),
    ]
    return ScoringPipeline(rules, scorer, dict(THRESHOLDS))


def test_pipeline_passes_trust_from_the_context() -> None:
    scorer = FakeScorer(0.6)
    contexts = [
        RuleContext("you idiot"),
        RuleContext("you idiot", author_trusted=True),
        RuleContext("k y s", author_trusted=True),
        RuleContext("fine", author_trusted=True, article_premoderate=True),
    ]
    verdicts = pipeline(scorer).score_batch(contexts)
    assert [verdict.decision for verdict in verdicts] == ["hold", "approve", "reject", "hold"]
    assert "k y s" not in scorer.seen  # a rule reject never reaches the model
    assert verdicts[2].reasons()[0]["spans"] == [[0, 5]]


def test_a_non_finite_model_score_holds_never_publishes() -> None:
    for broken in (float("nan"), float("inf")):
        verdicts = pipeline(FakeScorer(broken)).score_batch(
            [RuleContext("fine"), RuleContext("kys")]
        )
        held, rejected = verdicts
        assert held.decision == "hold"
        assert held.model_error == "the model returned a non-finite score for toxicity"
        assert held.scores() == {}  # nothing unusable is written down as a score
        assert rejected.decision == "reject"  # a rule reject stands without the model
