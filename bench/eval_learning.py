"""`make eval-learning`: does a model trained on a site's own decisions beat the shipped one?

news_comments_unhealthy is treated as a site: its `val` rows (4,427) are the site's past
moderator decisions (unhealthy, i.e. not labelled healthy, = held or rejected), its `test` rows
(4,425) the future. On `test` it prints ROC-AUC (unhealthy, and hostile against the rest) and
recall at 2% false holds for

- the shipped model with the default thresholds (any label at or above its hold threshold),
- calibrated thresholds: one threshold on the shipped model's highest label, chosen on `val`
  for 2% false holds,
- the trained site model (learning/trainer.py, `learning.method`), its retrained label
  at its calibrated hold threshold (also chosen on `val`, out of fold),

then learning curves for 500, 1,000, 2,000 and all decisions (three random draws each but
all), the same for news_comments_socc with 5-fold cross-validation (toxicity level >= 2 is a
decision to hold; level >= 3 stands in for hostile), and last

    site model ROC-AUC unhealthy: X, hostile: Y; recall at 2% false holds: Z% (today W%)

"today" is the shipped model at a threshold chosen on `val` for 2% false holds. The model's
view of each comment (features and logits) is cached under var/learning-eval/, so a rerun
costs only the training. Nothing trained here is kept: the data is licensed for evaluation
only. The check that the written checkpoint loads through `load_scorer` and gives the
trainer's scores writes it to a temporary folder and removes it.

    python -m bench.eval_learning [--methods head,finetune] [--threads 2] [--sets ...]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

from moderation.config import PROJECT_ROOT, LearningSettings, Settings, load_settings
from moderation.learning import artifacts
from moderation.learning.encoder import BaseModel, encode, load_base
from moderation.learning.metrics import (
    rates_at,
    recall_at_false_rate,
    roc_auc,
    threshold_for_false_rate,
)
from moderation.learning.trainer import Examples, SiteModel, fit_site_model, probabilities

SHARED = Path(os.environ.get("MODERATION_SHARED_DIR") or PROJECT_ROOT.parent / "shared")
DATA = SHARED / "data"
MODEL = SHARED / "models" / "minilm-toxicity"
CACHE = PROJECT_ROOT / "var" / "learning-eval"
RATE = 0.02
Rows: TypeAlias = NDArray[np.int64]
# A fold's scores and what was held.
Outcome: TypeAlias = tuple[NDArray[np.float64], NDArray[np.bool_]]
CURVE = (500, 1000, 2000)
DRAWS = 3


@dataclasses.dataclass
class Corpus:
    """A labelled set encoded once: texts, decisions (positive), hostile, the model's view."""

    name: str
    texts: list[str]
    positive: NDArray[np.bool_]
    hostile: NDArray[np.bool_]
    features: NDArray[np.float32]
    logits: NDArray[np.float32]
    split: NDArray[np.str_]

    def examples(self, rows: NDArray[np.int64]) -> Examples:
        return Examples(
            [self.texts[i] for i in rows],
            self.positive[rows],
            self.features[rows],
            self.logits[rows],
        )


def read_rows(name: str) -> list[dict[str, str]]:
    path = DATA / f"{name}.csv"
    if not path.is_file():
        sys.exit(f"{path} not found: make eval-learning reads ../shared/data at run time")
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_corpus(name: str, base: BaseModel, max_tokens: int) -> Corpus:
    rows = read_rows(name)
    texts = [row["text"] for row in rows]
    if name == "news_comments_unhealthy":
        positive = [row["healthy"] != "1" for row in rows]
        hostile = [row["hostile"] == "1" for row in rows]
        split = [row["split"] for row in rows]
    else:
        positive = [int(row["toxicity_level"]) >= 2 for row in rows]
        hostile = [int(row["toxicity_level"]) >= 3 for row in rows]
        split = ["all"] * len(rows)
    features, logits = cached_encoding(name, texts, base, max_tokens)
    return Corpus(
        name,
        texts,
        np.array(positive),
        np.array(hostile),
        features,
        logits,
        np.array(split),
    )


def cached_encoding(
    name: str, texts: list[str], base: BaseModel, max_tokens: int
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    stat = base.checkpoint.stat()
    key = hashlib.sha256(
        f"{base.checkpoint}:{stat.st_size}:{stat.st_mtime_ns}:{max_tokens}:{len(texts)}".encode()
        + "\n".join(texts).encode()
    ).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npz"
    if path.is_file():
        cached = np.load(path)
        print(f"{name}: model features from {path.relative_to(PROJECT_ROOT)}")
        return cached["features"], cached["logits"]
    started = time.perf_counter()
    features, logits = encode(base, texts, max_tokens)
    took = time.perf_counter() - started
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, features=features, logits=logits)
    print(f"{name}: encoded {len(texts)} comments in {took:.0f} s ({len(texts) / took:.0f}/s)")
    return features, logits


@dataclasses.dataclass(frozen=True)
class Measured:
    auc: float
    auc_hostile: float
    recall: float
    false_holds: float
    recall_exact: float  # at exactly 2% false holds on the test rows themselves

    def line(self, name: str) -> str:
        return (
            f"  {name:<34} {self.auc:6.3f} {self.auc_hostile:8.3f} {100 * self.recall:9.1f}% "
            f"{100 * self.false_holds:7.1f}% {100 * self.recall_exact:10.1f}%"
        )


HEADER = (
    f"  {'':<34} {'ROC-AUC':>6} {'hostile':>8} {'recall':>10} {'false':>8} {'recall@2%':>11}\n"
    f"  {'':<34} {'':>6} {'':>8} {'':>10} {'holds':>8} {'(on test)':>11}"
)


def measure(
    scores: NDArray[np.float64],
    positive: NDArray[np.bool_],
    hostile: NDArray[np.bool_],
    threshold: float,
) -> Measured:
    recall, false_holds = rates_at(scores, positive, threshold)
    return Measured(
        roc_auc(scores, positive),
        roc_auc(scores, hostile),
        recall,
        false_holds,
        recall_at_false_rate(scores, positive, RATE),
    )


def held_by_default(
    scores: NDArray[np.float64], labels: tuple[str, ...], settings: Settings
) -> NDArray[np.bool_]:
    """What the default thresholds hold: any label at or above its hold threshold."""
    held = np.zeros(len(scores), dtype=bool)
    for index, label in enumerate(labels):
        if label in settings.model.thresholds:
            held |= scores[:, index] >= settings.model.thresholds[label].hold
    return held


def shipped(
    corpus: Corpus,
    labels: tuple[str, ...],
    train: NDArray[np.int64],
    test: NDArray[np.int64],
    settings: Settings,
) -> tuple[Measured, Measured]:
    """The shipped model: default thresholds, and one threshold chosen on `train`."""
    scores = probabilities(corpus.logits.astype(np.float64))
    held = held_by_default(scores, labels, settings)
    highest = scores.max(axis=1)
    default = measure(highest[test], corpus.positive[test], corpus.hostile[test], 2.0)
    recall, false_holds = rates_at(held[test].astype(float), corpus.positive[test], 0.5)
    default = dataclasses.replace(default, recall=recall, false_holds=false_holds)
    chosen = threshold_for_false_rate(highest[train], corpus.positive[train], RATE)
    calibrated = measure(highest[test], corpus.positive[test], corpus.hostile[test], chosen)
    return default, calibrated


def site_model(
    corpus: Corpus,
    base: BaseModel,
    train: NDArray[np.int64],
    test: NDArray[np.int64],
    learning: LearningSettings,
    settings: Settings,
) -> tuple[Measured, SiteModel, float]:
    started = time.perf_counter()
    model = fit_site_model(
        base,
        corpus.examples(train),
        corpus.examples(test),
        learning,
        settings.model.thresholds[learning.label],
    )
    took = time.perf_counter() - started
    row = base.label_index(learning.label)
    scores = probabilities(model.heldout_logits)[:, row]
    hold = settings.model.thresholds[learning.label].hold
    return measure(scores, corpus.positive[test], corpus.hostile[test], hold), model, took


def draws(rows: NDArray[np.int64], size: int, count: int) -> list[NDArray[np.int64]]:
    if size >= len(rows):
        return [rows]
    return [
        np.sort(np.random.default_rng(seed).choice(rows, size, replace=False))
        for seed in range(count)
    ]


def mean_of(results: list[Measured]) -> Measured:
    return Measured(
        *(
            float(np.mean([getattr(r, f.name) for r in results]))
            for f in dataclasses.fields(Measured)
        )
    )


def curve(
    corpus: Corpus,
    sizes: tuple[int, ...],
    evaluate: Callable[[NDArray[np.int64]], Measured],
    train: NDArray[np.int64],
) -> None:
    print("  learning curve (decisions: ROC-AUC, hostile, recall at the val-chosen threshold)")
    for size in (*[s for s in sizes if s < len(train)], len(train)):
        results = [evaluate(rows) for rows in draws(train, size, DRAWS)]
        measured = mean_of(results)
        times = "" if size >= len(train) else f" (mean of {DRAWS} draws)"
        print(
            f"    {size:>5}: {measured.auc:.3f}  {measured.auc_hostile:.3f}  "
            f"{100 * measured.recall:.1f}% recall, {100 * measured.false_holds:.1f}% false holds"
            f"{times}"
        )


def check_checkpoint(
    base: BaseModel,
    model: SiteModel,
    corpus: Corpus,
    test: NDArray[np.int64],
    learning: LearningSettings,
    settings: Settings,
) -> None:
    """Write the trained model, load it the worker's way, and compare its scores."""
    from moderation.pipeline.model import load_scorer

    sample = test[:200]
    row = base.label_index(learning.label)
    expected = probabilities(model.heldout_logits[: len(sample)])[:, row]
    with tempfile.TemporaryDirectory(dir=PROJECT_ROOT / "var") as folder:
        checkpoint, config_dir = artifacts.write_model(
            base, Path(folder) / "model", model.weights, {}, {"eval": corpus.name}
        )
        scorer = load_scorer(
            dataclasses.replace(
                settings.model, checkpoint=str(checkpoint), config_dir=str(config_dir), threads=0
            )
        )
        scores = scorer.score([corpus.texts[i] for i in sample])
    found = np.array([s[learning.label] for s in scores])
    gap = float(np.abs(found - expected).max())
    print(
        f"  the written checkpoint, loaded by load_scorer: {learning.label} on {len(sample)} test "
        f"comments differs from the trainer's by at most {gap:.4f}"
    )


def unhealthy(base: BaseModel, settings: Settings, methods: list[str]) -> tuple[Measured, Measured]:
    corpus = load_corpus("news_comments_unhealthy", base, settings.learning.max_tokens)
    train = np.flatnonzero(corpus.split == "val")
    test = np.flatnonzero(corpus.split == "test")
    print(
        f"\nnews_comments_unhealthy as a site: {len(train)} past decisions (val, "
        f"{int(corpus.positive[train].sum())} unhealthy), {len(test)} future comments (test, "
        f"{int(corpus.positive[test].sum())} unhealthy, {int(corpus.hostile[test].sum())} hostile)"
    )
    print(HEADER)
    default, calibrated = shipped(corpus, base.labels, train, test, settings)
    print(default.line("shipped model, default thresholds"))
    print(calibrated.line("calibrated threshold (val, 2%)"))
    best: Measured | None = None
    for method in methods:
        learning = dataclasses.replace(settings.learning, method=method)
        measured, model, took = site_model(corpus, base, train, test, learning, settings)
        print(measured.line(f"site model ({method}, {took:.0f} s)"))
        if best is None or method == settings.learning.method:
            best, best_model, best_learning = measured, model, learning
    assert best is not None
    check_checkpoint(base, best_model, corpus, test, best_learning, settings)
    learning = dataclasses.replace(settings.learning, method="head")
    curve(
        corpus,
        CURVE,
        lambda rows: site_model(corpus, base, rows, test, learning, settings)[0],
        train,
    )
    return best, calibrated


def socc(base: BaseModel, settings: Settings, methods: list[str]) -> None:
    corpus = load_corpus("news_comments_socc", base, settings.learning.max_tokens)
    everything = np.arange(len(corpus.texts))
    folds = stratified_folds(corpus.positive, 5)
    print(
        f"\nnews_comments_socc, 5-fold cross-validation: {len(everything)} comments, "
        f"{int(corpus.positive.sum())} at toxicity level >= 2 (a hold), "
        f"{int(corpus.hostile.sum())} at level >= 3 (the 'hostile' column)"
    )
    print(HEADER)

    def pooled(evaluate: Callable[[Rows, Rows], Outcome], size: int | None = None) -> Measured:
        """Out-of-fold scores over the five folds, measured at once."""
        results = []
        for seed in range(1 if size is None else DRAWS):
            scores = np.zeros(len(everything))
            held = np.zeros(len(everything), dtype=bool)
            for fold in range(5):
                test = everything[folds == fold]
                train = everything[folds != fold]
                if size is not None and size < len(train):
                    train = np.sort(np.random.default_rng(seed).choice(train, size, replace=False))
                scores[test], held[test] = evaluate(train, test)
            measured = measure(scores, corpus.positive, corpus.hostile, 2.0)
            recall, false_holds = rates_at(held.astype(float), corpus.positive, 0.5)
            results.append(dataclasses.replace(measured, recall=recall, false_holds=false_holds))
        return mean_of(results)

    probs = probabilities(corpus.logits.astype(np.float64))
    highest = probs.max(axis=1)

    held = held_by_default(probs, base.labels, settings)

    def default(train: Rows, test: Rows) -> Outcome:
        return highest[test], held[test]

    def calibrated(train: Rows, test: Rows) -> Outcome:
        chosen = threshold_for_false_rate(highest[train], corpus.positive[train], RATE)
        return highest[test], highest[test] >= chosen

    def trained(method: str) -> Callable[[Rows, Rows], Outcome]:
        chosen = dataclasses.replace(settings.learning, method=method)

        def run(train: Rows, test: Rows) -> Outcome:
            model = fit_site_model(
                base,
                corpus.examples(train),
                corpus.examples(test),
                chosen,
                settings.model.thresholds[chosen.label],
            )
            scores = probabilities(model.heldout_logits)[:, base.label_index(chosen.label)]
            return scores, scores >= settings.model.thresholds[chosen.label].hold

        return run

    print(pooled(default).line("shipped model, default thresholds"))
    print(pooled(calibrated).line("calibrated threshold (train folds)"))
    for method in methods:
        print(pooled(trained(method)).line(f"site model ({method})"))
    print("  learning curve (decisions per training fold: ROC-AUC, hostile, recall)")
    for size in (500, None):
        measured = pooled(trained("head"), size)
        label = "all" if size is None else f"{size} (mean of {DRAWS} draws)"
        print(
            f"    {label}: {measured.auc:.3f}  {measured.auc_hostile:.3f}  "
            f"{100 * measured.recall:.1f}% recall, {100 * measured.false_holds:.1f}% false holds"
        )


def stratified_folds(labels: NDArray[np.bool_], count: int) -> NDArray[np.int64]:
    rng = np.random.default_rng(0)
    folds = np.zeros(len(labels), dtype=np.int64)
    for value in (True, False):
        members = np.flatnonzero(labels == value)
        rng.shuffle(members)
        folds[members] = np.arange(len(members)) % count
    return folds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", default="head", help="head, finetune or head,finetune")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (2: the target)")
    parser.add_argument("--sets", default="news_comments_unhealthy,news_comments_socc")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    environ = dict(os.environ)
    if "MODERATION_MODEL_CHECKPOINT" not in environ and (MODEL / "model.ckpt").is_file():
        environ["MODERATION_MODEL_CHECKPOINT"] = str(MODEL / "model.ckpt")
        environ["MODERATION_MODEL_CONFIG_DIR"] = str(MODEL / "config")
    settings = load_settings(environ=environ)
    if not settings.model.checkpoint:
        sys.exit("make eval-learning needs a local checkpoint (MODERATION_MODEL_CHECKPOINT)")
    started = time.perf_counter()
    base = load_base(settings.model.checkpoint, settings.model.config_dir, settings.learning.device)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    print(
        f"model {settings.model.checkpoint}; learning.method={settings.learning.method}, label "
        f"{settings.learning.label}; {args.threads} torch threads"
    )
    sets = args.sets.split(",")
    result = None
    if "news_comments_socc" in sets:
        socc(base, settings, methods)
    if "news_comments_unhealthy" in sets:
        result = unhealthy(base, settings, methods)
    print(f"\nwall time {time.perf_counter() - started:.0f} s")
    if result is not None:
        site, today = result
        print(
            f"site model ROC-AUC unhealthy: {site.auc:.3f}, hostile: {site.auc_hostile:.3f}; "
            f"recall at 2% false holds: {100 * site.recall:.1f}% (today {100 * today.recall:.1f}%)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
