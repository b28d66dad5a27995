"""The model alone: comments/s per batch size and ROC-AUC per label, for one model variant.

    python -m bench.bench_model [--device cuda] [--quantize int8] [--auc] [--threads 2]
    python -m bench.bench_model --compare     (make bench-model)

`--compare` measures the default on the CPU (ONNX Runtime with int8 weights, confirmed in float
near a threshold), int8 alone, and torch in float (the baseline), in one run, one thread each,
on every text of the file: the CPU milliseconds per comment of each and every label's ROC-AUC,
ending with the line
`model cpu ms per comment: X (baseline Y); largest ROC-AUC change: <label> <+-d>` (X: the
default's). With `--screen <folder>` (`make bench-model BENCH_ARGS="--screen var/screen"`) it
also measures the default screened by that distilled model (decision 0029), and X is that.

Texts and labels come from ../shared/data/jigsaw_wiki_dev.csv (3,000 Wikipedia comments in
detoxify's column layout; the stand-in for civil_comments_dev.csv, see its README). ROC-AUC is
against label >= 0.5, computed here (Mann-Whitney) so the script needs nothing beyond the
service's own packages; it runs on a GPU machine with only torch, transformers and detoxify.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any

from moderation.config import PROJECT_ROOT, ModelSettings, load_settings
from moderation.pipeline.model import load_scorer

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data" / "jigsaw_wiki_dev.csv"
DEFAULT_MODEL = PROJECT_ROOT.parent / "shared" / "models" / "minilm-toxicity"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def roc_auc(scores: list[float], positives: list[bool]) -> float | None:
    """Area under the ROC curve: the chance a positive outscores a negative (ties count half)."""
    pairs = sorted(zip(scores, positives, strict=True), key=lambda pair: pair[0])
    count_pos = sum(positives)
    count_neg = len(positives) - count_pos
    if not count_pos or not count_neg:
        return None
    rank_sum = 0.0
    index = 0
    while index < len(pairs):
        end = index
        while end + 1 < len(pairs) and pairs[end + 1][0] == pairs[index][0]:
            end += 1
        average_rank = (index + end) / 2 + 1
        rank_sum += average_rank * sum(1 for k in range(index, end + 1) if pairs[k][1])
        index = end + 1
    return (rank_sum - count_pos * (count_pos + 1) / 2) / (count_pos * count_neg)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quantize", default="none", choices=["auto", "none", "int8"])
    parser.add_argument("--runtime", default="torch", choices=["auto", "torch", "onnx"])
    parser.add_argument(
        "--compare", action="store_true", help="the default (int8) against torch in float"
    )
    parser.add_argument("--limit", type=int, default=600, help="texts for the speed runs")
    parser.add_argument("--batches", default="1,8,16,32,64")
    parser.add_argument("--auc", action="store_true", help="score the whole file for ROC-AUC")
    parser.add_argument(
        "--screen",
        type=Path,
        default=None,
        help="with --compare: also the default screened by this distilled model's folder",
    )
    parser.add_argument("--screen-band", type=float, default=None, help="its confirm band")
    args = parser.parse_args()
    if args.compare:
        compare(args)
        return

    scorer = load_scorer(
        model_settings(
            args.model,
            device=args.device,
            threads=args.threads,
            quantize=args.quantize,
            runtime=args.runtime,
        )
    )
    rows = read_rows(args.data)
    texts = [row["text"] for row in rows]
    speed_texts = [text[:1000] for text in texts[: args.limit]]
    report: dict[str, Any] = {
        "model": scorer.description,
        "device": args.device,
        "threads": args.threads,
        "load_seconds": round(scorer.load_seconds, 2),
        "comments_per_s": {},
    }
    scorer.score(speed_texts[:16])
    for batch in (int(size) for size in args.batches.split(",")):
        started = time.perf_counter()
        for start in range(0, len(speed_texts), batch):
            scorer.score(speed_texts[start : start + batch])
        elapsed = time.perf_counter() - started
        report["comments_per_s"][batch] = round(len(speed_texts) / elapsed, 1)
    if args.auc:
        scores: list[dict[str, float]] = []
        for start in range(0, len(texts), 32):
            scores += scorer.score(texts[start : start + 32])
        report["roc_auc"] = label_aucs(rows, scores, scorer.labels)
    print(json.dumps(report))


def model_settings(folder: Path, **options: Any) -> ModelSettings:
    """The default model settings for the checkpoint in `folder`, with `options` over them."""
    model = {
        "checkpoint": str(folder / "model.ckpt"),
        "config_dir": str(folder / "config"),
        **options,
    }
    return load_settings(environ={}, overrides={"model": model}).model


def label_aucs(
    rows: list[dict[str, str]], scores: list[dict[str, float]], labels: tuple[str, ...]
) -> dict[str, float | None]:
    """ROC-AUC per label of the file that has a column for it (label >= 0.5 is positive)."""
    result: dict[str, float | None] = {}
    for label in labels:
        if label not in rows[0] or not rows[0][label]:
            continue
        positives = [float(row[label] or 0) >= 0.5 for row in rows]
        auc = roc_auc([score[label] for score in scores], positives)
        result[label] = None if auc is None else round(auc, 4)
    return result


def compare(args: argparse.Namespace) -> None:
    """The default (int8, confirmed) and int8 alone against torch in float, in one run."""
    rows = read_rows(args.data)
    texts = [row["text"] for row in rows]
    results: dict[str, dict[str, Any]] = {}
    variants: dict[str, dict[str, Any]] = {
        "onnx_int8": {},  # the default: int8, confirmed in float near a threshold
        "onnx_int8_alone": {"runtime": "onnx", "quantize": "int8", "int8_confirm_logits": 0.0},
        "baseline": {"runtime": "torch", "quantize": "none"},
    }
    measured = "onnx_int8"
    if args.screen is not None:
        screen: dict[str, Any] = {"screen_checkpoint": str(args.screen.resolve() / "model.ckpt")}
        if args.screen_band is not None:
            screen["screen_confirm_logits"] = args.screen_band
        variants = {"screened": screen, **variants}
        measured = "screened"
    for name, options in variants.items():
        scorer = load_scorer(model_settings(args.model, threads=1, **options))
        scorer.score(texts[:16])
        scorer.windows_scored = scorer.windows_confirmed = 0
        cpu = time.process_time()
        scores: list[dict[str, float]] = []
        for start in range(0, len(texts), 64):
            scores += scorer.score(texts[start : start + 64])
        results[name] = {
            "model": scorer.description,
            "cpu_ms_per_comment": round(1000 * (time.process_time() - cpu) / len(texts), 2),
            "windows_confirmed": f"{scorer.windows_confirmed} of {scorer.windows_scored}",
            "roc_auc": label_aucs(rows, scores, scorer.labels),
        }
        print(json.dumps({name: results[name]}), flush=True)
    default, baseline = results[measured], results["baseline"]
    changes = {
        label: round(value - (baseline["roc_auc"][label] or 0.0), 4)
        for label, value in default["roc_auc"].items()
        if value is not None and baseline["roc_auc"].get(label) is not None
    }
    worst = max(changes, key=lambda label: abs(changes[label]))
    print(json.dumps({"roc_auc_change": changes}))
    print(
        f"model cpu ms per comment{' (screened)' if measured == 'screened' else ''}: "
        f"{default['cpu_ms_per_comment']:.2f} "
        f"(baseline {baseline['cpu_ms_per_comment']:.2f}); "
        f"largest ROC-AUC change: {worst} {changes[worst]:+.4f}"
    )


if __name__ == "__main__":
    main()
