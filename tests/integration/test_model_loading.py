"""The detoxify loading path, for real: `Detoxify(checkpoint=..., huggingface_config_path=...)`
with a checkpoint the tests build, no network, and clear errors when loading cannot work."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from moderation.config import Settings, Thresholds
from moderation.pipeline.model import (
    INT8_RECIPE,
    DetoxifyScorer,
    ModelUnavailableError,
    load_scorer,
    offline_checkpoint,
    runtime_choice,
)
from tests.support.shared import SHARED_MODEL, shared_file


def test_tiny_checkpoint_loads_offline_and_matches_detoxify_predict(
    settings: Settings, tiny_model: tuple[Path, Path]
) -> None:
    from detoxify import Detoxify

    # torch in float is detoxify's own arithmetic: the same numbers. (The default on the CPU,
    # ONNX Runtime with int8 weights, is compared with it below.)
    assert runtime_choice(settings.model) == ("onnx", "int8")
    scorer = load_scorer(settings.replace(model={"runtime": "torch", "quantize": "none"}).model)
    assert isinstance(scorer, DetoxifyScorer)
    assert scorer.labels == (
        "toxicity",
        "severe_toxicity",
        "obscene",
        "threat",
        "insult",
        "identity_attack",
    )
    texts = ["thanks for the article", "you idiot", "the city council vote on tax money"]
    ours = scorer.score(texts)
    # The checkpoint names a Hub model; the adapter wrote a copy pointing at the local config.
    copy, config_dir = offline_checkpoint(str(tiny_model[0]), str(tiny_model[1]))
    assert copy != tiny_model[0] and copy.is_file()
    reference = Detoxify(checkpoint=str(copy), huggingface_config_path=str(config_dir))
    expected = reference.predict(texts)
    for index, scores in enumerate(ours):
        for label, value in scores.items():
            assert value == pytest.approx(expected[label][index], abs=1e-5)


def test_long_text_is_scored_in_windows_not_truncated(settings: Settings) -> None:
    scorer = load_scorer(settings.model)
    long_text = "the city council vote " * 200
    windows = scorer.windows(long_text)
    assert len(windows) > 1
    assert all(len(window) <= scorer.window for window in windows)
    tokens = scorer.windows("the city council vote " * 2)[0] * 100  # the same 400 tokens
    assert windows[0] == tokens[: scorer.window]
    assert windows[-1] == tokens[-len(windows[-1]) :]  # the last token is scored
    overlap = scorer.window - scorer.stride
    for before, after in itertools.pairwise(windows):
        assert before[-overlap:] == after[:overlap]
    assert len(scorer.score([long_text])) == 1


def test_abuse_after_the_token_limit_is_still_seen(settings: Settings) -> None:
    shared_file(SHARED_MODEL / "model.ckpt", "the tiny test model finds no abuse")
    shared = settings.replace(
        model={
            "checkpoint": str(SHARED_MODEL / "model.ckpt"),
            "config_dir": str(SHARED_MODEL / "config"),
        }
    )
    scorer = load_scorer(shared.model)
    clean = "I enjoyed reading about the new library opening downtown. " * 60
    text = clean + "You are a stupid idiot and everyone hates you."
    assert len(scorer.windows(text)) > 1
    # The insult is diluted by the clean sentences in its window (0.48-0.51 with this model),
    # but a scorer that stopped at the token limit would see only the clean start (0.002).
    clean_score, abusive_score = (scores["toxicity"] for scores in scorer.score([clean, text]))
    assert clean_score < 0.01
    assert abusive_score > 0.3


def test_the_cpu_default_is_onnx_runtime_int8_exported_once_close_to_float(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared_file(SHARED_MODEL / "model.ckpt", "the tiny test model scores everything alike")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # a cache of its own: the export happens here
    tempfile.tempdir = None
    try:
        shared = settings.replace(
            model={
                "checkpoint": str(SHARED_MODEL / "model.ckpt"),
                "config_dir": str(SHARED_MODEL / "config"),
                "int8_confirm_logits": 0.0,  # int8 alone here; the confirmation is tested below
            }
        )
        assert runtime_choice(shared.model) == ("onnx", "int8")
        fast = load_scorer(shared.model)
        assert fast.description.endswith("(ONNX Runtime, int8)")
        cached = sorted(path.name for path in (tmp_path / "moderation-models").glob("*.onnx"))
        assert len(cached) == 2 and any(name.endswith(f".{INT8_RECIPE}.onnx") for name in cached)
        stamps = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*.onnx")}
        again = load_scorer(shared.model)  # a second worker: the files are reused, not rewritten
        assert {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*.onnx")} == stamps
    finally:
        tempfile.tempdir = None
    exact = load_scorer(dataclasses.replace(shared.model, runtime="torch", quantize="none"))
    texts = [
        "Thanks for a careful piece on the council budget.",
        "You are a stupid idiot and a worthless piece of garbage.",
        "I will find where you live and hurt you.",
        "What a load of crap, the mayor lied again.",
        "Go back to your country, you people ruin everything.",
    ]
    fast_scores, again_scores, exact_scores = (s.score(texts) for s in (fast, again, exact))
    assert fast_scores == again_scores
    # int8 weights move a score by a few hundredths at most (0.04 in the middle of the range
    # here); a broken export (a lost attention mask, say) moves it far more.
    for fast_row, exact_row in zip(fast_scores, exact_scores, strict=True):
        for label, value in exact_row.items():
            assert fast_row[label] == pytest.approx(value, abs=0.06), label

    # The same order of the texts on every label: what thresholds and the review queue use.
    def order(rows: list[dict[str, float]], label: str) -> list[int]:
        return sorted(range(len(texts)), key=lambda index: rows[index][label])

    for label in exact.labels:
        assert order(fast_scores, label) == order(exact_scores, label), label


def test_auto_runs_int8_on_the_cpu_and_torch_in_float_on_a_gpu(settings: Settings) -> None:
    auto = dataclasses.replace(settings.model, runtime="auto", quantize="auto")
    assert runtime_choice(auto) == ("onnx", "int8")
    assert runtime_choice(dataclasses.replace(auto, device="cuda")) == ("torch", "none")
    assert runtime_choice(dataclasses.replace(auto, runtime="torch")) == ("torch", "none")
    assert runtime_choice(dataclasses.replace(auto, quantize="none")) == ("onnx", "none")


def test_int8_scores_near_a_threshold_are_scored_again_in_float(settings: Settings) -> None:
    shared_file(SHARED_MODEL / "model.ckpt", "the tiny test model scores everything alike")
    model = {
        "checkpoint": str(SHARED_MODEL / "model.ckpt"),
        "config_dir": str(SHARED_MODEL / "config"),
    }
    exact = load_scorer(
        settings.replace(model={**model, "runtime": "torch", "quantize": "none"}).model
    )
    alone = load_scorer(settings.replace(model={**model, "int8_confirm_logits": 0.0}).model)
    texts = [
        "Thanks for a careful piece on the council budget.",
        "You are a stupid idiot and a worthless piece of garbage.",
        "What a load of crap, the mayor lied again.",
        "The new bridge opens on Monday, finally.",
    ]
    exact_scores, alone_scores = exact.score(texts), alone.score(texts)
    # Thresholds at the int8 scores of the third text: only that one is near a line.
    near = alone_scores[2]["toxicity"]
    only_toxicity = {"toxicity": Thresholds(hold=near, reject=near)}
    confirmed = load_scorer(
        dataclasses.replace(settings.replace(model=model).model, thresholds=only_toxicity)
    )
    assert confirmed.description.endswith("(ONNX Runtime, int8, confirmed in float)")
    scores = confirmed.score(texts)
    assert (confirmed.windows_scored, confirmed.windows_confirmed) == (4, 1)
    assert scores[2] == pytest.approx(exact_scores[2], abs=1e-5)  # float's, every label
    for number in (0, 1, 3):
        assert scores[number] == alone_scores[number]  # int8's, far from every threshold
    assert scores[2]["toxicity"] != pytest.approx(near, abs=1e-4)
    # A site's own level (its policy's threshold) joins the band when the pipeline meets it.
    far = {"threat": Thresholds(hold=0.99, reject=0.99)}
    sited = load_scorer(dataclasses.replace(settings.replace(model=model).model, thresholds=far))
    sited.score(texts)
    assert sited.windows_confirmed == 0
    sited.confirm_near({"toxicity": [near]})
    assert sited.score(texts)[2] == pytest.approx(exact_scores[2], abs=1e-5)
    assert sited.windows_confirmed == 1


def test_a_score_the_identity_correction_moves_onto_a_threshold_is_confirmed_in_float(
    settings: Settings,
) -> None:
    # The identity correction takes a measured bias off a clean mention's score, so the raw
    # score that meets a threshold lies that far above it. The pipeline tells the scorer the
    # shift before scoring, and a window whose shifted int8 score lies near a threshold gets
    # float's scores, as one whose own score does.
    shared_file(SHARED_MODEL / "model.ckpt", "the tiny test model scores everything alike")
    from moderation.pipeline.rules import build_rules
    from moderation.pipeline.scoring import ScoringPipeline
    from tests.support.identity_line import corrected_onto_a_line

    model = settings.replace(
        model={
            "checkpoint": str(SHARED_MODEL / "model.ckpt"),
            "config_dir": str(SHARED_MODEL / "config"),
        }
    ).model
    rules = build_rules(settings.rules)
    # A hold level exactly where the corrected int8 score lands.
    line = corrected_onto_a_line(model, rules)
    scorer = load_scorer(line.model)
    scorer.score([line.comment.text])
    assert scorer.windows_confirmed == 0  # its own score is far from every level
    verdict = ScoringPipeline.from_settings(rules, scorer, line.model).score_batch([line.comment])
    assert scorer.windows_confirmed == 1
    exact = load_scorer(dataclasses.replace(model, runtime="torch", quantize="none"))
    [scores] = exact.score([line.comment.text])
    before = verdict[0].adjustments[0].before["toxicity"]
    assert before == pytest.approx(scores["toxicity"], abs=1e-6)
    assert before != pytest.approx(line.raw, abs=1e-4)


def test_a_trained_head_keeps_its_scores_in_int8(settings: Settings, tmp_path: Path) -> None:
    # A site model's head (issue 16) folds standardised weights into the output layer, a few
    # of them far larger than the rest: an int8 channel scaled to those rounded the others
    # away (1.3 logits off on average here). The output layer now stays in float (0.4 off,
    # the encoder's own int8 error as the head reads it).
    shared_file(SHARED_MODEL / "model.ckpt", "the tiny test model's features barely vary")
    from moderation.learning import artifacts
    from moderation.learning.encoder import load_base
    from moderation.learning.trainer import Examples, fit_site_model

    filler = [
        *("the", "council", "vote", "on", "the", "school", "road", "budget", "this", "week"),
        *("and", "the", "mayor", "said", "residents", "would", "see", "the", "plan", "soon"),
    ]

    def decisions(count: int, seed: int) -> Examples:
        rng = random.Random(seed)
        texts, rejected = [], []
        for index in range(count):
            rude = index % 3 == 0
            words = [*rng.sample(filler, 6), rng.choice(RUDE if rude else KIND)]
            rng.shuffle(words)
            texts.append(" ".join(words))
            rejected.append(rude)
        return Examples(texts, np.array(rejected))

    model = settings.replace(
        model={
            "checkpoint": str(SHARED_MODEL / "model.ckpt"),
            "config_dir": str(SHARED_MODEL / "config"),
        }
    )
    base = load_base(model.model.checkpoint, model.model.config_dir)
    train, fresh = decisions(90, seed=1), decisions(60, seed=2)
    trained = fit_site_model(base, train, fresh, model.learning, model.model.thresholds["toxicity"])
    checkpoint, config_dir = artifacts.write_model(base, tmp_path / "site", trained.weights, {}, {})
    site = dataclasses.replace(model.model, checkpoint=str(checkpoint), config_dir=str(config_dir))
    exact = load_scorer(dataclasses.replace(site, runtime="torch", quantize="none"))
    alone = load_scorer(dataclasses.replace(site, int8_confirm_logits=0.0))
    assert alone.description.endswith("(ONNX Runtime, int8)")
    texts = list(fresh.texts)
    exact_logits = [_logit(row["toxicity"]) for row in exact.score(texts)]
    int8_logits = [_logit(row["toxicity"]) for row in alone.score(texts)]
    # The head learnt its lesson (the float scores tell the rude comments apart) ...
    spread = max(exact_logits) - min(exact_logits)
    assert spread > 10
    # ... and int8 keeps it: 0.4 logit off on average (1.3 with the output layer in int8).
    gaps = [abs(a - b) for a, b in zip(int8_logits, exact_logits, strict=True)]
    assert sum(gaps) / len(gaps) < 0.7


RUDE = ("clowns", "morons", "liars", "crooks", "hypocrites")
KIND = ("neighbours", "volunteers", "teachers", "nurses", "planners")


def _logit(probability: float) -> float:
    clipped = min(max(probability, 1e-7), 1 - 1e-7)
    return math.log(clipped / (1 - clipped))


def test_when_the_model_cannot_be_exported_auto_scores_in_float_and_onnx_says_why(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    # An exporter that fails, as torch's does on an operator ONNX lacks (a site's own model).
    import torch

    def unsupported(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("Exporting the operator 'aten::site_op' to ONNX is not supported")

    monkeypatch.setattr(torch.onnx, "export", unsupported)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # nothing exported before
    tempfile.tempdir = None
    try:
        with caplog.at_level("WARNING", logger="moderation.pipeline.model"):
            fallback = load_scorer(settings.model)  # auto
        assert fallback.description == f"checkpoint {settings.model.checkpoint}"
        assert "scoring with torch in float" in caplog.text
        exact = load_scorer(dataclasses.replace(settings.model, runtime="torch", quantize="none"))
        assert fallback.score(["you idiot"]) == exact.score(["you idiot"])
        with pytest.raises(ModelUnavailableError, match="MODERATION_MODEL_RUNTIME=torch"):
            load_scorer(dataclasses.replace(settings.model, runtime="onnx"))
    finally:
        tempfile.tempdir = None


def test_missing_checkpoint_names_the_setting(settings: Settings) -> None:
    broken = settings.replace(model={"checkpoint": "/nowhere/model.ckpt"})
    with pytest.raises(ModelUnavailableError, match="MODERATION_MODEL_CHECKPOINT"):
        load_scorer(broken.model)


def test_missing_config_folder_names_the_setting(settings: Settings, tmp_path: Path) -> None:
    broken = settings.replace(model={"config_dir": str(tmp_path)})
    with pytest.raises(ModelUnavailableError, match="MODERATION_MODEL_CONFIG_DIR"):
        load_scorer(broken.model)


def test_a_file_that_is_not_a_checkpoint_is_refused(settings: Settings, tmp_path: Path) -> None:
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"not a checkpoint")
    broken = settings.replace(model={"checkpoint": str(junk)})
    with pytest.raises(ModelUnavailableError, match="not a detoxify checkpoint"):
        load_scorer(broken.model)


def test_named_model_without_network_fails_with_the_fix(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An empty torch hub cache: detoxify must try (and here fail) to download its weights.
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    named = settings.replace(model={"checkpoint": "", "config_dir": "", "name": "original"})
    with pytest.raises(ModelUnavailableError) as failure:
        load_scorer(named.model)
    message = str(failure.value)
    assert "MODERATION_MODEL=original" in message
    assert "MODERATION_MODEL_CHECKPOINT" in message and "MODERATION_MODEL_CONFIG_DIR" in message


def test_onnx_runtime_and_int8_score_like_the_float_model(settings: Settings) -> None:
    texts = ["thanks for the article", "you idiot", "the city council vote " * 40]
    reference = load_scorer(settings.model).score(texts)
    onnx = load_scorer(settings.replace(model={"runtime": "onnx"}).model)
    int8 = load_scorer(settings.replace(model={"quantize": "int8"}).model)
    assert "ONNX" in onnx.description and "int8" in int8.description
    for variant, tolerance in ((onnx.score(texts), 1e-4), (int8.score(texts), 0.05)):
        for expected, got in zip(reference, variant, strict=True):
            for label, value in expected.items():
                assert got[label] == pytest.approx(value, abs=tolerance)
