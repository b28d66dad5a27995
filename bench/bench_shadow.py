"""What a shadow policy costs the scoring worker: one batch scored for the live policy alone,
then with a shadow policy beside it (its own thresholds and rule settings, the same model).

    python -m bench.bench_shadow [--batch 64] [--repeat 3]

`ScoringPipeline.score_runs` with the configured model (the shared MiniLM checkpoint when
../shared/models has it): the shadow's extra cost is its rules and its verdict, not a model
call, since each text is scored once per model. Least CPU time of `--repeat` passes (all
threads); texts from the
labelled news comments when present, else generated. Nothing here is part of the tests.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import time

from moderation.config import PROJECT_ROOT, load_settings
from moderation.pipeline.model import load_scorer
from moderation.pipeline.routing import load_router
from moderation.pipeline.rules import RuleContext, build_rules
from moderation.pipeline.scoring import PolicyRun, ScoringPipeline

SHARED = PROJECT_ROOT.parent / "shared"
DATA = SHARED / "data" / "news_comments_unhealthy.csv"
MODEL = SHARED / "models" / "minilm-toxicity"


def texts(count: int) -> list[str]:
    if DATA.is_file():
        with DATA.open(newline="", encoding="utf-8") as handle:
            rows = [
                row["text"] for _, row in zip(range(count), csv.DictReader(handle), strict=False)
            ]
        if len(rows) == count:
            return rows
    return [f"Comment number {n} on the council's vote about the road tax." for n in range(count)]


def best(runs: int, work: object) -> float:
    """The least CPU time of `runs` passes (every thread of this process): steadier than the
    wall clock on a shared machine."""
    found = []
    for _ in range(runs):
        started = time.process_time()
        work()  # type: ignore[operator]
        found.append(time.process_time() - started)
    return min(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    if (MODEL / "model.ckpt").is_file():
        settings = settings.replace(
            model={"checkpoint": str(MODEL / "model.ckpt"), "config_dir": str(MODEL / "config")}
        )
    scorer = load_scorer(settings.model)
    pipeline = ScoringPipeline.routed(
        build_rules(settings.rules), load_router(settings.model, scorer)
    )
    live = [RuleContext(text, site_id="bench") for text in texts(args.batch)]
    levels = {"toxicity": {"hold": 0.3, "reject": 0.8}}
    # A shadow with other thresholds only (a calibration candidate): the live run's rule hits
    # are reused; one with other rule settings too runs the rules again.
    thresholds_only = [dataclasses.replace(c, site_thresholds=levels) for c in live]
    with_rules = [
        dataclasses.replace(c, site_thresholds=levels, article_rules={"max_links": 0}) for c in live
    ]
    alone = [[PolicyRun(context)] for context in live]
    pipeline.score_runs(alone)  # warm up
    one = best(args.repeat, lambda: pipeline.score_runs(alone))
    print(f"model: {scorer.description}; batch of {args.batch}; best of {args.repeat}")
    each = one / args.batch * 1000
    print(f"live policy alone: {one * 1000:8.1f} ms CPU ({each:.2f} ms/comment)")
    for name, shadow in (("thresholds", thresholds_only), ("thresholds+rules", with_rules)):
        beside = [[PolicyRun(a), PolicyRun(b)] for a, b in zip(live, shadow, strict=True)]
        two = best(args.repeat, lambda beside=beside: pipeline.score_runs(beside))
        print(
            f"+ shadow ({name}): {two * 1000:8.1f} ms CPU; the shadow costs "
            f"{(two - one) * 1000:.1f} ms a batch ({(two / one - 1) * 100:+.1f}%)"
        )


if __name__ == "__main__":
    main()
