"""A screening model distilled from the current one (decision 0029), for real: a tiny teacher
with varied scores, a student trained on CPU through detoxify's loading path, and the
screened scorer that sends windows near a threshold to the teacher."""

from __future__ import annotations

import dataclasses
import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from moderation.config import LanguageModel, Settings, Thresholds
from moderation.learning.distill import (
    distill,
    layer_candidates,
    student_of,
    teacher_logits,
    windows,
    write_student,
)
from moderation.learning.encoder import BaseModel, load_base
from moderation.pipeline.model import ModelUnavailableError, load_language_model, load_scorer
from moderation.pipeline.routing import fixed_router, unscreened
from tests.support.live import run_model
from tests.support.settings import service_env
from tests.support.tiny_model import WORDS, build_trained_checkpoint

TEXTS = [
    " ".join(random.Random(number).choices(WORDS, k=random.Random(-number).randint(2, 14)))
    for number in range(360)
]


@pytest.fixture(scope="module")
def teacher(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny 2-layer model trained to score by words: scores that differ from text to text."""
    return build_trained_checkpoint(tmp_path_factory.mktemp("teacher"), TEXTS)


@pytest.fixture(scope="module")
def student(
    teacher: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any], BaseModel]:
    import torch

    torch.manual_seed(0)
    base = load_base(str(teacher[0]), str(teacher[1]))
    model, evaluation = distill(
        base, TEXTS, layers=1, epochs=40, held_out_share=0.2, learning_rate=3e-3
    )
    folder = tmp_path_factory.mktemp("student") / "screen"
    return write_student(base, model, folder, evaluation), evaluation, base


def screened(settings: Settings, teacher: tuple[Path, Path], **model: Any) -> Any:
    return dataclasses.replace(
        settings.model,
        checkpoint=str(teacher[0]),
        config_dir=str(teacher[1]),
        runtime="torch",
        quantize="none",
        **model,
    )


def test_the_student_learns_the_teachers_scores_and_loads_as_a_detoxify_checkpoint(
    student: tuple[Path, dict[str, Any], BaseModel], settings: Settings
) -> None:
    checkpoint, evaluation, base = student
    assert evaluation["layers"] in ([0], [1])
    assert evaluation["held_out_texts"] == 72 and evaluation["texts"] == 288
    # On texts it never saw, the trained student is far closer to the teacher than the layer
    # it started from.
    shuffled = list(TEXTS)
    random.Random(0).shuffle(shuffled)
    held_out = shuffled[:72]
    rows = windows(base, held_out)
    wanted = teacher_logits(base, rows)
    untrained = BaseModel(
        **{**base.__dict__, "model": student_of(base.model, evaluation["layers"])}
    )
    before = float(np.abs(teacher_logits(untrained, rows) - wanted).mean())
    after = np.mean([label["mean"] for label in evaluation["held_out"]["per_label"].values()])
    assert after < 0.7 * before, (after, before)
    assert evaluation["held_out"]["band_for_all"] >= evaluation["held_out"]["band_for_999"] > 0
    # The folder loads on its own, one layer deep, and scores as the student did.
    config = json.loads((checkpoint.parent / "config" / "config.json").read_text())
    assert config["num_hidden_layers"] == 1
    alone = load_scorer(
        dataclasses.replace(
            settings.model,
            checkpoint=str(checkpoint),
            config_dir=str(checkpoint.parent / "config"),
            runtime="torch",
            quantize="none",
        )
    )
    loaded = alone.score(held_out[:8])
    reloaded = load_base(str(checkpoint), str(checkpoint.parent / "config"))
    expected = 1 / (1 + np.exp(-teacher_logits(reloaded, rows[:8])))
    for number, scores in enumerate(loaded):
        assert [scores[label] for label in alone.labels] == pytest.approx(
            list(expected[number]), abs=1e-4
        )


def test_windows_near_a_threshold_get_the_teachers_scores_the_rest_the_students(
    student: tuple[Path, dict[str, Any], BaseModel],
    teacher: tuple[Path, Path],
    settings: Settings,
) -> None:
    checkpoint = student[0]
    student_alone = load_scorer(
        dataclasses.replace(
            screened(settings, teacher),
            checkpoint=str(checkpoint),
            config_dir=str(checkpoint.parent / "config"),
        )
    )
    texts = TEXTS[:60]
    exact = load_scorer(screened(settings, teacher)).score(texts)
    alone = student_alone.score(texts)
    # One threshold, at the student's highest toxicity score, and a band half the gaps to the
    # next two: only that text is not clearly below the line.
    logits = [float(np.log(s["toxicity"] / (1 - s["toxicity"]))) for s in alone]
    ranked = sorted(range(len(texts)), key=logits.__getitem__, reverse=True)
    target, second, third = ranked[:3]
    band = min(logits[target] - logits[second], logits[second] - logits[third]) / 2
    assert band > 0.005
    near = alone[target]["toxicity"]
    line = {"toxicity": Thresholds(hold=near, reject=near)}
    scorer = load_scorer(
        screened(
            settings,
            teacher,
            thresholds=line,
            screen_checkpoint=str(checkpoint),
            screen_confirm_logits=band,
        )
    )
    assert scorer.description.endswith(f", screened by {checkpoint}")
    scores = scorer.score(texts)
    assert (scorer.windows_scored, scorer.windows_confirmed) == (60, 1)
    assert scores[target] == pytest.approx(exact[target], abs=1e-5)  # the teacher's, every label
    assert scores[target] != pytest.approx(alone[target], abs=1e-3)
    for number in set(range(60)) - {target}:
        assert scores[number] == pytest.approx(alone[number], abs=1e-6)  # the student's
    # A site's own lower level joins the band: the second text is no longer clearly below.
    scorer.confirm_near({"toxicity": [alone[second]["toxicity"]]})
    again = scorer.score(texts)
    assert again[second] == pytest.approx(exact[second], abs=1e-5)
    assert again[third] == pytest.approx(alone[third], abs=1e-6)
    # Analyze answers with the model's own scores: the same weights, no screen in front.
    router = unscreened(fixed_router(scorer, {}))
    plain = router.default.model.scorer
    assert plain is scorer.unscreened and "screened" not in plain.description
    for ours, theirs in zip(plain.score(texts), exact, strict=True):
        assert ours == pytest.approx(theirs, abs=1e-5)
    assert unscreened(router) is router


def test_the_default_runtime_screens_in_int8_and_confirms_the_teacher_in_float(
    student: tuple[Path, dict[str, Any], BaseModel],
    teacher: tuple[Path, Path],
    settings: Settings,
) -> None:
    checkpoint = student[0]
    auto = dataclasses.replace(
        screened(settings, teacher, screen_checkpoint=str(checkpoint)),
        runtime="auto",
        quantize="auto",
        screen_confirm_logits=20.0,  # every window goes to the teacher
    )
    scorer = load_scorer(auto)
    assert scorer.description == (
        f"checkpoint {teacher[0]} (ONNX Runtime, int8, confirmed in float), "
        f"screened by {checkpoint}"
    )
    exact = load_scorer(screened(settings, teacher)).score(TEXTS[:20])
    scores = scorer.score(TEXTS[:20])
    assert scorer.windows_confirmed == 20
    # Every window is the teacher's: int8's where far from a line, float's near one.
    for ours, theirs in zip(scores, exact, strict=True):
        assert ours == pytest.approx(theirs, abs=0.05)
    # The screen is the default model's student: a language's or a policy's model has none.
    other = load_language_model(
        auto, LanguageModel(checkpoint=str(teacher[0]), config_dir=str(teacher[1]))
    )
    assert "screened" not in other.description


def test_a_screen_that_is_not_the_models_student_is_refused(
    student: tuple[Path, dict[str, Any], BaseModel],
    teacher: tuple[Path, Path],
    settings: Settings,
    tmp_path: Path,
) -> None:
    import torch

    missing = screened(settings, teacher, screen_checkpoint=str(tmp_path / "none.ckpt"))
    with pytest.raises(
        ModelUnavailableError, match=r"MODERATION_MODEL_SCREEN_CHECKPOINT=.*no such"
    ):
        load_scorer(missing)
    # Distilled from the trained teacher, not from the tiny model the settings name.
    with pytest.raises(ModelUnavailableError, match="was distilled from another model"):
        load_scorer(dataclasses.replace(settings.model, screen_checkpoint=str(student[0])))
    saved = torch.load(student[0], weights_only=False)
    saved["config"]["dataset"]["args"]["classes"] = ["toxicity", "spam", "a", "b", "c", "d"]
    other = tmp_path / "other.ckpt"
    torch.save(saved, other)
    with pytest.raises(ModelUnavailableError, match="scores toxicity, spam"):
        load_scorer(
            screened(
                settings,
                teacher,
                screen_checkpoint=str(other),
                screen_config_dir=str(student[0].parent / "config"),
            )
        )


def test_layer_candidates_try_every_subset_when_few_and_keep_the_last_layer_when_many() -> None:
    assert layer_candidates(6, 3) == sorted(layer_candidates(6, 3))
    assert len(layer_candidates(6, 3)) == 20
    many = layer_candidates(24, 6)
    assert len(many) == 64 and all(len(keep) == 6 for keep in many)
    assert all(keep[-1] == 23 or keep == (0, 5, 9, 14, 18, 23) for keep in many)


def test_the_model_distill_command_writes_a_folder_the_screen_setting_loads(
    teacher: tuple[Path, Path], database_url: str, redis_url: str, tmp_path: Path
) -> None:
    texts = tmp_path / "texts.csv"
    texts.write_text(
        "id,text\n" + "".join(f'{n},"{text}"\n' for n, text in enumerate(TEXTS)), encoding="utf-8"
    )
    env = {
        **os.environ,
        **service_env(database_url, redis_url, teacher),
        "MODERATION_MODEL_RUNTIME": "torch",
        "MODERATION_MODEL_QUANTIZE": "none",
    }
    out = tmp_path / "screen"
    distill = ("distill", "--out", str(out), "--texts", str(texts))
    few = run_model(env, *distill, "--limit", "100", "--layers", "5")
    assert few.returncode == 1 and "a student needs 1 to 1" in few.stderr
    done = run_model(
        env,
        *distill,
        *("--layers", "1", "--epochs", "1", "--threads", "1", "--label-weights", "spread"),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    # Spread weighting: the labels whose logits the teacher packs tightest weigh most.
    weighting = answer["training"]["label_weights"]
    assert weighting["how"] == "spread"
    assert sum(weighting["weights"]) / 6 == pytest.approx(1.0, abs=1e-3)
    distinct = len(dict.fromkeys(TEXTS))
    assert answer["checkpoint"] == str(out / "model.ckpt")
    assert answer["texts"] == distinct - int(distinct * 0.05)
    assert "teacher scored them" in done.stderr
    assert json.loads((out / "evaluation.json").read_text())["layers"] == answer["layers"]
    env["MODERATION_MODEL_SCREEN_CHECKPOINT"] = str(out / "model.ckpt")
    info = run_model(env, "info")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["model"].endswith(f"screened by {out / 'model.ckpt'}")


def test_from_comments_reads_the_newest_texts_and_leaves_erased_ones_out(
    app: Any, settings: Settings
) -> None:
    from sqlalchemy import update

    from moderation.comments.models import Comment
    from moderation.db.personal import ERASED
    from moderation.db.session import make_engine, make_session_factory
    from moderation.learning.commands import comment_texts
    from tests.support.webhooks import post_comment

    client = app.test_client()
    ids = [post_comment(client, text) for text in ("first words", "second words", "third words")]
    sessions = make_session_factory(make_engine(settings.database.url))
    with sessions.begin() as session:
        session.execute(update(Comment).where(Comment.id == ids[1]).values(text=ERASED))
    assert comment_texts(settings, 10) == ["third words", "first words"]
    assert comment_texts(settings, 1) == ["third words"]
