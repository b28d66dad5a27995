"""How to size scoring workers: P processes x T torch threads on the same cores, compared.

Each process loads the model once (as `moderation worker` does) and scores the same texts in
batches of the worker's batch size; all start together. Prints comments/s for every shape, so
docs/operations.md "Sizing workers" can be checked on the machine you deploy to:

    python -m bench.bench_worker_sizing --texts 256 --shapes 1x2 2x1 1x1
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from typing import Any

from bench.run import MODEL, load_texts
from moderation.config import load_settings


def _score(threads: int, texts: list[str], batch: int, start: Any, done: Any) -> None:
    from moderation.pipeline.model import load_scorer

    settings = load_settings(
        overrides={
            "model": {
                "checkpoint": str(MODEL / "model.ckpt"),
                "config_dir": str(MODEL / "config"),
                "threads": threads,
            }
        }
    )
    scorer = load_scorer(settings.model)
    scorer.score(texts[:batch])  # warm up
    start.wait()
    for offset in range(0, len(texts), batch):
        scorer.score(texts[offset : offset + batch])
    done.put(time.perf_counter())


def measure(processes: int, threads: int, texts: list[str], batch: int) -> float:
    """Comments per second of `processes` processes with `threads` threads each."""
    context = multiprocessing.get_context("spawn")
    start, done = context.Barrier(processes + 1), context.Queue()
    children = [
        context.Process(target=_score, args=(threads, texts, batch, start, done))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    start.wait()
    began = time.perf_counter()
    ended = max(done.get() for _ in children)
    for child in children:
        child.join()
    return processes * len(texts) / (ended - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--shapes", nargs="+", default=["1x2", "2x1", "1x1"])
    options = parser.parse_args()
    texts = load_texts(options.texts, max_chars=600)
    for shape in options.shapes:
        processes, threads = (int(part) for part in shape.split("x"))
        rate = measure(processes, threads, texts, options.batch)
        print(f"{processes} process(es) x {threads} thread(s): {rate:.1f} comments/s")


if __name__ == "__main__":
    main()
