"""The identity-mention correction: when it takes the model's bias off, when it never does,
and how the verdict shows it. A fake scorer stands in for the model (the verdict logic is
under test, not the model); the lists and the bias file are the shipped ones."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from moderation.config import load_settings, resolve_path
from moderation.pipeline.rules import Rule, RuleContext, build_rules
from moderation.pipeline.rules.identity import (
    IdentityFileError,
    load_identity_bias,
    load_identity_terms,
)
from moderation.pipeline.scoring import ScoringPipeline
from moderation.pipeline.verdict import Verdict


class FakeScorer:
    """Gives every text the same scores: a clean sentence the model finds toxic."""

    labels = ("toxicity", "insult", "identity_attack", "obscene")
    description = "fake"

    def __init__(self, toxicity: float = 0.73) -> None:
        self.toxicity = toxicity

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [
            {"toxicity": self.toxicity, "insult": 0.08, "identity_attack": 0.01, "obscene": 0.01}
            for _ in texts
        ]


@cache
def default_rules(**rules: object) -> list[Rule]:
    return build_rules(load_settings(environ={}, overrides={"rules": rules}).rules)


def verdict(text: str, toxicity: float = 0.73, **rules: object) -> Verdict:
    settings = load_settings(environ={})
    pipeline = ScoringPipeline.from_settings(
        default_rules(**rules), FakeScorer(toxicity), settings.model
    )
    return pipeline.score_batch([RuleContext(text, author_approved_count=3)])[0]


@pytest.mark.parametrize(
    "text",
    [
        "Abdul is a nice gay",
        "Medina is a gracious lesbian",
        "gay people are not stupid",  # a negated hostile word
        "your contempt for gay people has to stop",  # counter-speech
        "Gay couples deserve the same rights",
    ],
)
def test_a_clean_mention_loses_the_measured_bias(text: str) -> None:
    found = verdict(text)
    assert found.decision == "approve"
    [adjustment] = found.adjustments
    assert adjustment.id == "identity_mention"
    assert adjustment.before["toxicity"] == 0.73 > 0.5 > adjustment.after["toxicity"]
    toxicity = next(score for score in found.label_scores if score.label == "toxicity")
    assert (toxicity.raw, toxicity.score) == (0.73, adjustment.after["toxicity"])


@pytest.mark.parametrize(
    "text",
    [
        "Abdul is a stupid gay",  # a hostile word
        "gays are disgusting",
        "I hate gays",
        "gay people are vermin",
        "Abdul is a gay idiot",  # a listed insult (suspect term)
        "I will kill you, gay",  # a threat
        "Abdul is a nice farmer",  # no identity named
    ],
)
def test_no_correction_for_an_attack_or_without_a_mention(text: str) -> None:
    found = verdict(text)
    assert found.adjustments == ()
    assert found.decision in {"hold", "reject"}


def test_the_verdict_shows_the_scores_before_and_after() -> None:
    found = verdict("Abdul is a nice gay")
    [reason] = [r for r in found.reasons() if r["kind"] == "adjustment"]
    assert reason["id"] == "identity_mention" and reason["action"] is None
    assert "'gay'" in reason["message"] and "toxicity 0.73 ->" in reason["message"]
    assert reason["scores_before"]["toxicity"] == 0.73
    assert reason["scores_after"]["toxicity"] < 0.5
    [model] = [r for r in found.reasons() if r["kind"] == "model" and r["id"] == "toxicity"]
    assert model["model_score"] == 0.73 and model["score"] < 0.5
    assert "identity_mention" in found.summary


def test_a_longer_comment_gets_a_smaller_correction() -> None:
    short = verdict("Abdul is a nice gay").adjustments[0]
    text = "Abdul is a nice gay and he told me about the budget of the council last week at home"
    long = verdict(text).adjustments[0]
    assert long.after["toxicity"] > short.after["toxicity"]


def test_switched_off() -> None:
    assert verdict("Abdul is a nice gay", identity_correction=0.0).decision == "hold"
    assert verdict("Abdul is a nice gay", identity_bias_file="").decision == "hold"


def test_a_mention_the_model_does_not_over_score_is_left_alone() -> None:
    assert verdict("Abdul is a nice canadian").adjustments == ()  # no measured bias


def test_terms_match_inflections_and_disguises() -> None:
    settings = load_settings(environ={}).rules
    terms = load_identity_terms(resolve_path(settings.word_lists_dir), ["de"], labelled=True)
    assert terms.first("Die SCHWULEN Nachbarn") == "de:schwul*"
    assert terms.first("eine jüdische Familie") == "de:jüdisch*"
    english = load_identity_terms(resolve_path(settings.word_lists_dir), ["en"])
    assert english.first("two MUSLIMS and a ɢay man") == "muslim*"


def test_a_bad_bias_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bias.toml"
    path.write_text('[terms]\n"en:gay" = -1\n', encoding="utf-8")
    with pytest.raises(IdentityFileError, match=r"bias\.toml"):
        load_identity_bias(path)
    assert load_identity_bias(tmp_path / "missing.toml").terms == {}
