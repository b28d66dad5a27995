"""Language routing: what identification costs per comment, and where its cut-offs come from.

    python -m bench.bench_language [--limit 0] [--repeat 3]

1. Cost: CPU time of `identify` (py3langid plus the script count) per comment of each labelled
   set in ../shared/data, one thread, best of `--repeat` passes. For scale: the model costs
   about 20 ms a comment on one core (docs/quality.md).
2. Cut-offs: for each `model.language_min_confidence` and `model.language_min_letters`
   candidate, how many comments of the English sets would be routed away from the English
   model (identified confidently as another language), and what share of the German identity
   templates would be told German. Texts mostly in another script are routed by their
   language whatever the cut-offs, so they count at every row.
3. Overhead in the pipeline: `ScoringPipeline.score_batch` (the default rules) on the healthy
   news comments in batches of 64, with a model that costs nothing, routed by language and not
   routed: the difference is what routing adds to an English comment.

The data files are read at run time and never copied; nothing here is part of the tests.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence

from moderation.config import PROJECT_ROOT, load_settings
from moderation.pipeline.language import Identified, identify
from moderation.pipeline.routing import LATIN_SCRIPT_SHARE, load_router
from moderation.pipeline.rules import RuleContext, build_rules
from moderation.pipeline.scoring import ScoringPipeline

DATA = PROJECT_ROOT.parent / "shared" / "data"
ENGLISH_SETS = {
    "jigsaw_wiki_dev": "text",
    "news_comments_unhealthy": "text",
    "news_comments_socc": "text",
    "civil_comments_toxic_spans": "text",
    "identity_templates_en": "phrase",
}
GERMAN_SET = ("identity_templates_de", "phrase")
CONFIDENCES = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
LETTERS = (0, 10, 20, 30)


def texts(name: str, column: str, limit: int) -> list[str]:
    path = DATA / f"{name}.csv"
    if not path.exists():
        sys.exit(f"{path} not found: this benchmark reads ../shared/data at run time")
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row[column] for row in csv.DictReader(handle)]
    return rows[:limit] if limit else rows


def routed_away(found: Identified, language: str, confidence: float, letters: int) -> bool:
    """Whether routing would take the text away from the default model, to `found.code`."""
    if found.code == language:
        return False
    other_script = found.letters > 0 and found.latin_share < LATIN_SCRIPT_SHARE
    return other_script or (found.confidence >= confidence and found.letters >= letters)


class FreeScorer:
    """A model that costs nothing, so the pipeline's own work is what is timed."""

    labels: tuple[str, ...] = ("toxicity",)
    description = "free"

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [{"toxicity": 0.01} for _ in texts]


def pipeline_overhead(rows: list[str], repeat: int) -> None:
    """CPU time a comment of the pipeline, routed and not routed."""
    settings = load_settings(environ={})
    rules = build_rules(settings.rules)
    scorer = FreeScorer()
    plain = ScoringPipeline.from_settings(rules, scorer, settings.model)
    routed = ScoringPipeline.routed(rules, load_router(settings.model, scorer))
    contexts = [RuleContext(text) for text in rows]
    for name, pipeline in (("not routed", plain), ("routed", routed)):
        best = float("inf")
        for _ in range(repeat):
            started = time.process_time()
            for start in range(0, len(contexts), 64):
                pipeline.score_batch(contexts[start : start + 64])
            best = min(best, time.process_time() - started)
        print(f"  {name:<11} {best / max(len(rows), 1) * 1e6:7.1f} us a comment")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="rows per set (0: all)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (best counts)")
    args = parser.parse_args(argv)
    identify("warm up: load the identifier")
    sets = {name: texts(name, column, args.limit) for name, column in ENGLISH_SETS.items()}
    german = texts(*GERMAN_SET, args.limit)
    found: dict[str, list[Identified]] = {}
    print("cost of identification (CPU, one thread, best of passes):")
    for name, rows in [*sets.items(), (GERMAN_SET[0], german)]:
        best = float("inf")
        for _ in range(args.repeat):
            started = time.process_time()
            found[name] = [identify(text) for text in rows]
            best = min(best, time.process_time() - started)
        mean_chars = sum(map(len, rows)) / max(len(rows), 1)
        print(
            f"  {name:<28} {len(rows):>6} comments, {mean_chars:6.0f} chars on average: "
            f"{best / max(len(rows), 1) * 1e6:7.1f} us a comment"
        )
    print("\ncut-offs: English-set comments routed away from the English model; German told")
    header = "  ".join(f"{name.split('_')[0]:>9}" for name in sets)
    print(f"  {'confidence':>10} {'letters':>7}  {header}  {'de told':>8}")
    for letters in LETTERS:
        for confidence in CONFIDENCES:
            away = [
                sum(routed_away(f, "en", confidence, letters) for f in found[name]) for name in sets
            ]
            told = sum(
                f.code == "de" and routed_away(f, "en", confidence, letters)
                for f in found[GERMAN_SET[0]]
            )
            cells = "  ".join(f"{count:>9}" for count in away)
            print(f"  {confidence:>10} {letters:>7}  {cells}  {told / max(len(german), 1):>8.1%}")
    print("\nthe scoring pipeline (default rules, a model that costs nothing), news comments:")
    pipeline_overhead(sets["news_comments_unhealthy"][:3000], args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
