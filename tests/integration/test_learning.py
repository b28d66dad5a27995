"""A site model trained from moderators' decisions: real decisions through the review API, the
training job run by a real RQ worker (burst) on the test PostgreSQL and Redis, and the trained
checkpoint loaded through detoxify's loading path (`load_scorer`) and scoring."""

from __future__ import annotations

import dataclasses
import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from redis import Redis
from rq.job import Job

from moderation.config import Settings, Thresholds
from moderation.db.session import make_engine, make_session_factory
from moderation.learning.artifacts import write_model
from moderation.learning.decisions import load_decisions
from moderation.learning.encoder import load_base
from moderation.learning.jobs import enqueue_training, job_id
from moderation.learning.metrics import roc_auc
from moderation.learning.service import LearningService, NotEnoughDecisionsError
from moderation.learning.trainer import Examples, fit_site_model
from moderation.pipeline.model import load_scorer
from moderation.worker.runner import run_worker
from tests.support.live import run_model
from tests.support.settings import (
    ADMIN_TOKEN,
    MODERATOR_TOKEN,
    bearer,
    make_settings,
    service_env,
)
from tests.support.workbench import comment_row, insert_comments

ALICE = bearer(MODERATOR_TOKEN)
FILLER = ["the", "city", "council", "vote", "mayor", "school", "road", "tax", "people", "news"]
RUDE = ["idiot", "stupid", "hate"]
KIND = ["thanks", "great", "good", "agree", "love"]


@pytest.fixture
def learning_settings(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], tmp_path: Path
) -> Settings:
    # Torch in float: the tiny test model's features barely vary, so in int8 (the CPU default)
    # its trained lesson is lost, and the training job, which measures a trained model as a
    # worker runs it, rightly refuses to propose it (the last test here). The MiniLM
    # checkpoint keeps a trained head in int8 (test_model_loading).
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        model={"runtime": "torch", "quantize": "none"},
        learning={
            "models_dir": str(tmp_path / "models"),
            "min_decisions": 40,
            "min_per_outcome": 5,
            "heldout_share": 0.25,
            "threads": 1,
            "new_decisions": 100,
        },
    )


def synthetic_texts(count: int, seed: int) -> list[tuple[str, bool]]:
    """Texts whose rejection a word decides: one in three rude (rejected), the rest kind."""
    rng = random.Random(seed)
    texts = []
    for index in range(count):
        rejected = index % 3 == 0
        words = [*rng.sample(FILLER, 4), rng.choice(RUDE if rejected else KIND)]
        rng.shuffle(words)
        texts.append((" ".join(words), rejected))
    return texts


def decide_all(client: Any, database_url: str, texts: list[tuple[str, bool]]) -> list[int]:
    """Hold each comment, then a moderator approves or rejects it through the review API."""
    ids = insert_comments(database_url, [comment_row(text=text) for text, _ in texts])
    for comment_id, (_, rejected) in zip(ids, texts, strict=True):
        answer = client.post(
            f"/v1/review/comments/{comment_id}/decision",
            json={"action": "reject", "version": 2, "reason_code": "abusive"}
            if rejected
            else {"action": "approve", "version": 2},
            headers=ALICE,
        )
        assert answer.status_code == 200, answer.json
    return ids


def test_training_job_run_by_a_worker_proposes_a_loadable_better_model(
    app: Any, learning_settings: Settings, database_url: str, redis_url: str
) -> None:
    client = app.test_client()
    texts = synthetic_texts(120, seed=1)
    ids = decide_all(client, database_url, texts)
    # An undone decision is no label: the comment goes back to the queue.
    undone = client.post(f"/v1/review/comments/{ids[-1]}/undo", json={"version": 3}, headers=ALICE)
    assert undone.status_code == 200, undone.json

    service = LearningService(make_session_factory(make_engine(database_url)), learning_settings)
    assert service.due_sites() == ["default"]  # 119 decisions, none learnt from yet

    redis = Redis.from_url(redis_url)
    identifier = enqueue_training(learning_settings, redis, "default", "alice")
    # A second request while the first is queued joins it.
    assert enqueue_training(learning_settings, redis, "default", "alice") == identifier
    run_worker(learning_settings, burst=True)

    job = Job.fetch(job_id("default"), connection=redis)
    assert job.get_status() == "finished", job.latest_result()
    result = job.return_value()
    assert result["status"] == "candidate", result["reason"]

    [trained] = service.trained("default")
    assert service.due_sites() == []  # nothing new since
    assert trained["id"] == result["id"] and trained["status"] == "candidate"
    assert trained["decisions"] == 119  # the undone one is not a label
    evaluation = trained["evaluation"]
    heldout = evaluation["heldout"]
    assert evaluation["decisions"]["heldout"] == 30
    assert heldout["trained_roc_auc"] > heldout["current_best_roc_auc"]
    assert heldout["trained_roc_auc"] >= 0.9
    assert set(heldout["current"]["roc_auc"]) == set(heldout["trained"]["roc_auc"])
    folder = Path(trained["checkpoint"]).parent
    assert folder.parent == Path(learning_settings.learning.models_dir).resolve() / "default"
    assert json.loads((folder / "evaluation.json").read_text()) == evaluation

    # It is the site's candidate policy, in the shadows: the live settings with the new model,
    # promoted (or not) by an admin from the policy report (tests/integration/test_policy_models
    # shows a worker deciding with a promoted policy's checkpoint without a restart).
    history = client.get("/v1/sites/default/policies", headers=bearer(ADMIN_TOKEN)).json
    shadow = next(v for v in history["versions"] if v["version"] == history["shadow"])
    assert (shadow["kind"], shadow["state"]) == ("training", "shadow")
    assert shadow["document"]["model"]["checkpoint"] == str(Path(trained["checkpoint"]).resolve())
    # The policy report shows what the model promised beside how its shadow does.
    answer = client.get(
        f"/v1/sites/default/policies/report?version={shadow['version']}",
        headers=bearer(ADMIN_TOKEN),
    )
    assert answer.status_code == 200, answer.json
    report = answer.json
    assert report["version"] == shadow["version"]
    promised = report["model_evaluation"]
    assert promised["heldout"] == heldout and promised["runtime"] == evaluation["runtime"]
    assert promised["decisions"] == evaluation["decisions"] and promised["beats_current"]

    # Measured as the worker runs it (here torch in float, the fixture's runtime): the same.
    runtime = evaluation["runtime"]
    assert runtime["description"].endswith(Path(trained["checkpoint"]).name)
    assert runtime["trained_roc_auc"] == heldout["trained_roc_auc"]
    assert runtime["decisions_changed"] == 0 and runtime["largest_logit_gap"] < 0.01

    # The checkpoint loads through the worker's own loading path and scores the decisions'
    # lesson: a rude comment far above a kind one on the retrained label.
    scorer = load_scorer(
        dataclasses.replace(
            learning_settings.model,
            checkpoint=trained["checkpoint"],
            config_dir=trained["config_dir"],
        )
    )
    fresh = synthetic_texts(60, seed=7)
    scores = scorer.score([text for text, _ in fresh])
    decided = [rejected for _, rejected in fresh]
    assert roc_auc([s["toxicity"] for s in scores], decided) >= 0.9
    # Labels the decisions did not retrain are kept as they were.
    before = load_scorer(learning_settings.model).score([text for text, _ in fresh])
    assert [s["insult"] for s in scores] == pytest.approx([s["insult"] for s in before], abs=1e-3)


def test_a_model_that_does_not_beat_the_current_one_is_not_proposed(
    app: Any, learning_settings: Settings, database_url: str
) -> None:
    # Every comment says the same: no model can tell the decisions apart, the trained one
    # included, so it ties the current model and is recorded but not proposed.
    client = app.test_client()
    texts = [("the city council vote on the school road", index % 3 == 0) for index in range(60)]
    decide_all(client, database_url, texts)
    service = LearningService(make_session_factory(make_engine(database_url)), learning_settings)
    result = service.train("default", "alice")
    assert result["status"] == "not_better"
    assert result["reason"].startswith("not better")
    assert result["evaluation"]["beats_current"] is False
    folder = Path(result["checkpoint"]).parent
    assert not Path(result["checkpoint"]).exists()  # weights removed, evaluation kept
    assert (folder / "evaluation.json").is_file()
    assert [row["status"] for row in service.trained("default")] == ["not_better"]


def test_too_few_decisions_is_refused_naming_the_setting(
    app: Any, learning_settings: Settings, database_url: str
) -> None:
    client = app.test_client()
    decide_all(client, database_url, synthetic_texts(30, seed=2))
    sessions = make_session_factory(make_engine(database_url))
    with sessions() as session:
        decisions = load_decisions(session, "default", 1000)
    assert len(decisions) == 30
    assert {d.kind for d in decisions} == {"held"}
    with pytest.raises(NotEnoughDecisionsError, match=r"learning\.min_decisions"):
        LearningService(sessions, learning_settings).train("default", "alice")


def test_a_fine_tuned_model_loads_and_scores_as_trained(
    tiny_model: tuple[Path, Path], learning_settings: Settings, tmp_path: Path
) -> None:
    # The tiny model's pooled features barely vary, so fine-tuning it learns little; what this
    # checks is the path: fine-tune, calibrate, fold, write, and load through load_scorer with
    # the trainer's own scores, the other labels kept by distillation.
    settings = dataclasses.replace(
        learning_settings.learning, method="finetune", epochs=3.0, learning_rate=1e-3
    )
    base = load_base(str(tiny_model[0]), str(tiny_model[1]))
    train, heldout = synthetic_texts(60, seed=3), synthetic_texts(20, seed=8)
    model = fit_site_model(
        base,
        Examples([t for t, _ in train], np.array([r for _, r in train])),
        Examples([t for t, _ in heldout], np.array([r for _, r in heldout])),
        settings,
        Thresholds(0.5, 0.93),
    )
    assert model.details["steps"] == 12  # 60 comments in batches of 16, three times
    assert set(model.weights) == set(base.saved["state_dict"])
    checkpoint, config_dir = write_model(base, tmp_path / "tuned", model.weights, {}, {})
    scorer = load_scorer(
        dataclasses.replace(
            learning_settings.model, checkpoint=str(checkpoint), config_dir=str(config_dir)
        )
    )
    scores = scorer.score([t for t, _ in heldout])
    expected = 1 / (1 + np.exp(-model.heldout_logits))
    for index, label in enumerate(base.labels):
        assert [s[label] for s in scores] == pytest.approx(list(expected[:, index]), abs=1e-3)
    before = load_scorer(learning_settings.model).score([t for t, _ in heldout])
    assert [s["threat"] for s in scores] == pytest.approx([s["threat"] for s in before], abs=0.01)


def test_the_model_train_and_trained_commands(
    clean_state: None, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    env = {**os.environ, **service_env(database_url, redis_url, tiny_model)}
    queued = run_model(env, "train", "--site", "default")
    assert queued.returncode == 0, queued.stderr
    answer = json.loads(queued.stdout)
    assert answer == {"job_id": job_id("default"), "queue": "learning", "site": "default"}
    job = Job.fetch(answer["job_id"], connection=Redis.from_url(redis_url))
    assert job.get_status() == "queued" and job.args == ("default", "cli")
    here = run_model(env, "train", "--site", "nowhere", "--here")
    assert here.returncode == 1 and "no site 'nowhere'" in here.stderr
    few = run_model(env, "train", "--here")
    assert few.returncode == 1 and "learning.min_decisions" in few.stderr
    listed = run_model(env, "trained")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


def test_a_model_that_loses_its_lesson_as_a_worker_runs_it_is_not_proposed(
    app: Any, learning_settings: Settings, database_url: str
) -> None:
    # In int8 the tiny model's trained head no longer tells the decisions apart (its features
    # barely vary): in float it beats the current model, as the worker would run it it does
    # not, so it is recorded, with both measurements, and not proposed.
    settings = learning_settings.replace(model={"runtime": "onnx", "quantize": "int8"})
    client = app.test_client()
    decide_all(client, database_url, synthetic_texts(120, seed=1))
    service = LearningService(make_session_factory(make_engine(database_url)), settings)
    result = service.train("default", "alice")
    evaluation = result["evaluation"]
    assert evaluation["heldout"]["roc_auc_change"] > 0.2  # better in float, by far
    runtime = evaluation["runtime"]
    assert "(ONNX Runtime, int8, confirmed in float)" in runtime["description"]
    assert runtime["trained_roc_auc"] < evaluation["heldout"]["current_best_roc_auc"]
    assert result["status"] == "not_better" and evaluation["beats_current"] is False
    assert result["reason"].startswith("not better as a worker runs it")
    assert not Path(result["checkpoint"]).exists()
    assert json.loads((Path(result["checkpoint"]).parent / "evaluation.json").read_text()) == (
        evaluation
    )
