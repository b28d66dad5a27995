"""Routing by language (pipeline/routing.py) and the verdicts it leads to, with the real
language identifier and the real rules; the models are fakes that record what they were given
(the real loading path is tested in tests/integration/test_languages.py)."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.config import load_settings
from moderation.pipeline.language import identify
from moderation.pipeline.routing import LanguageRouter, LoadedModel, Route, fixed_router
from moderation.pipeline.rules import RuleContext, build_rules
from moderation.pipeline.scoring import ScoringPipeline
from moderation.pipeline.verdict import LanguageFound, decide

THRESHOLDS = {"toxicity": (0.5, 0.9)}
ENGLISH = "Thanks for the report on the council vote."
FRENCH = "Merci beaucoup pour cet article très intéressant sur le conseil municipal."
GERMAN = "Vielen Dank für diesen ausgezeichneten Artikel über die Stadtratswahl."


class FakeScorer:
    """Scores every text with one toxicity and records each call's texts."""

    labels = ("toxicity",)

    def __init__(self, name: str, toxicity: float = 0.1) -> None:
        self.description = name
        self.toxicity = toxicity
        self.calls: list[list[str]] = []

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        return [{"toxicity": self.toxicity} for _ in texts]


def router(unsupported: str = "hold") -> tuple[LanguageRouter, FakeScorer, FakeScorer]:
    english, romance = FakeScorer("english"), FakeScorer("romance", toxicity=0.6)
    default = Route(LoadedModel(english, "english"), THRESHOLDS)
    shared = LoadedModel(romance, "romance")
    routes = {
        "en": default,
        "fr": Route(shared, {"toxicity": (0.7, 0.95)}),
        "es": Route(shared, THRESHOLDS),
    }
    return (
        LanguageRouter(default, routes, "publish" if unsupported == "publish" else "hold"),
        english,
        romance,
    )


def test_identification_folds_dialects_and_counts_scripts() -> None:
    arabic = identify("الله يلعنك")
    assert arabic.code == "ar" and arabic.latin_share == 0.0
    assert identify("ئەم وتارە زۆر باشە، سوپاس بۆ ئێوە").code == "ku"  # Sorani (sdh) -> ku
    french = identify(FRENCH)
    assert french.code == "fr" and french.confidence > 0.99 and french.latin_share == 1.0
    assert identify("12345").letters == 0


def test_each_language_is_routed_to_its_model_or_to_none() -> None:
    routes, _, _ = router()
    found, route = routes.route(FRENCH)
    assert found.routing == "served" and route is routes.routes["fr"]
    found, route = routes.route(GERMAN)
    assert (found.code, found.routing, route) == ("de", "unsupported", None)
    # Too short to tell in the Latin script: the default model.
    found, route = routes.route("Danke!")
    assert found.routing == "uncertain" and route is routes.default
    # Another script is told by its script however short.
    found, route = routes.route("يا كلب")
    assert (found.code, found.routing, route) == ("ar", "unsupported", None)


def test_one_call_per_model_and_each_language_with_its_thresholds() -> None:
    routes, english, romance = router()
    pipeline = ScoringPipeline.routed([], routes)
    verdicts = pipeline.score_batch(
        [RuleContext(FRENCH), RuleContext(ENGLISH), RuleContext("Gracias por el artículo.")]
    )
    # The short Spanish text is too unsure to tell: the default model reads it with English.
    assert english.calls == [[ENGLISH, "Gracias por el artículo."]]
    assert romance.calls == [[FRENCH]]
    french, _, short = verdicts
    assert short.language is not None and short.language.routing == "uncertain"
    assert french.decision == "approve"  # 0.6 is under French's own hold level, 0.7
    assert french.model_description == "romance"
    assert french.language is not None and french.language.to_dict()["code"] == "fr"


def test_a_site_s_thresholds_still_win_over_the_language_s() -> None:
    routes, _, _ = router()
    pipeline = ScoringPipeline.routed([], routes)
    strict = RuleContext(FRENCH, site_thresholds={"toxicity": {"hold": 0.5}})
    assert pipeline.score_batch([strict])[0].decision == "hold"


def test_an_unsupported_language_is_held_with_the_rules_applied() -> None:
    routes, english, romance = router()
    rules = build_rules(load_settings(environ={}).rules)
    pipeline = ScoringPipeline.routed(rules, routes)
    held, rejected = pipeline.score_batch(
        [RuleContext(GERMAN), RuleContext("انت شرموطة وكلامك فارغ")]
    )
    assert english.calls == [] and romance.calls == []  # no model reads them
    assert held.decision == "hold" and held.public_reason == "awaiting_review"
    assert held.reasons()[-1]["id"] == "language_unsupported"
    assert "language_unsupported: de (held)" in held.summary
    assert rejected.decision == "reject" and rejected.rule_hits[0].rule_id == "banned_terms"


def test_publish_setting_and_trusted_authors() -> None:
    publish, _, _ = router("publish")
    assert ScoringPipeline.routed([], publish).score_batch([RuleContext(GERMAN)])[0].decision == (
        "approve"
    )
    hold, _, _ = router()
    trusted = RuleContext(GERMAN, author_trusted=True)
    assert ScoringPipeline.routed([], hold).score_batch([trusted])[0].decision == "hold"
    found = LanguageFound("de", 0.99, "unsupported", "publish")
    verdict = decide([], None, THRESHOLDS, language=found)
    assert verdict.decision == "approve" and verdict.reasons()[0]["action"] is None


def test_a_missing_model_holds_only_its_languages() -> None:
    english = FakeScorer("english")
    default = Route(LoadedModel(english, "english"), THRESHOLDS)
    broken = Route(LoadedModel(None, "detoxify 'multilingual'", "could not download"), THRESHOLDS)
    routes = LanguageRouter(default, {"en": default, "fr": broken})
    french, plain = ScoringPipeline.routed([], routes).score_batch(
        [RuleContext(FRENCH), RuleContext(ENGLISH)]
    )
    assert french.decision == "hold" and french.model_error == "could not download"
    assert plain.decision == "approve"


def test_without_a_router_every_comment_goes_to_the_one_model() -> None:
    scorer = FakeScorer("only")
    verdict = ScoringPipeline([], scorer, dict(THRESHOLDS)).score_batch([RuleContext(GERMAN)])[0]
    assert verdict.decision == "approve" and verdict.language is None
    assert fixed_router(scorer, THRESHOLDS).languages() == ["en"]
