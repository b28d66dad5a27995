"""Rules quality on labelled data from ../shared/data (read at run time, never copied).

1. Toxic-span coverage (civil_comments_toxic_spans.csv, columns `text,spans`; `spans` is a JSON
   list of the character offsets raters marked toxic): the share of raters' toxic spans (runs
   of consecutive offsets) that a word-list hit overlaps, with the default lists.
2. False holds (jigsaw_wiki_dev.csv, which stands in for civil_comments_dev.csv; see
   ../shared/data/README.md): the share of non-toxic rows (toxicity below 0.5) that the default
   rules hold or reject, with the rules that did it. Also the share of toxic rows they catch.
3. The same false-hold rate on healthy Globe and Mail comments (news_comments_unhealthy.csv,
   healthy = 1), closer to what a news site gets.

    python -m bench.rules_quality [--examples 5]
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import sys
from collections.abc import Callable, Iterator

from moderation.config import PROJECT_ROOT, load_settings
from moderation.pipeline.rules import Rule, RuleContext, build_rules, run_rules
from moderation.pipeline.verdict import RuleHit

DATA = PROJECT_ROOT.parent / "shared" / "data"
TERM_RULES = {"banned_terms", "suspect_terms"}
LINK_RULES = {"links", "too_many_links"}


def rows(name: str) -> Iterator[dict[str, str]]:
    """The rows of one data file; exits with a clear message when the file is absent."""
    path = DATA / name
    if not path.exists():
        sys.exit(f"{path} not found: this script reads ../shared/data at run time")
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def runs(offsets: list[int]) -> list[tuple[int, int]]:
    """Consecutive offsets as (start, end) spans: [3, 4, 5, 9] -> [(3, 6), (9, 10)]."""
    spans: list[tuple[int, int]] = []
    for offset in sorted(set(offsets)):
        if spans and spans[-1][1] == offset:
            spans[-1] = (spans[-1][0], offset + 1)
        else:
            spans.append((offset, offset + 1))
    return spans


def overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in others)


def span_coverage(rules: list[Rule], examples: int) -> None:
    total = touched = rows_with_spans = rows_touched = 0
    hit_spans = hit_spans_inside = 0
    missed: collections.Counter[str] = collections.Counter()
    for row in rows("civil_comments_toxic_spans.csv"):
        text = row["text"]
        toxic = runs(json.loads(row["spans"]))
        if not toxic:
            continue
        hits = [hit for hit in run_rules(rules, RuleContext(text)) if hit.rule_id in TERM_RULES]
        found = [span for hit in hits for span in hit.spans]
        rows_with_spans += 1
        rows_touched += any(overlaps(span, found) for span in toxic)
        for span in toxic:
            total += 1
            if overlaps(span, found):
                touched += 1
            else:
                missed[text[span[0] : span[1]].lower().strip()[:30]] += 1
        hit_spans += len(found)
        hit_spans_inside += sum(overlaps(span, toxic) for span in found)
    print("1. raters' toxic spans (civil_comments_toxic_spans.csv), default word lists")
    print(f"   spans touched by a word-list hit: {touched} of {total} = {touched / total:.1%}")
    print(
        f"   posts with a touched span: {rows_touched} of {rows_with_spans} = "
        f"{rows_touched / rows_with_spans:.1%}"
    )
    if hit_spans:
        print(
            f"   word-list hits inside a rater's span: {hit_spans_inside} of {hit_spans} = "
            f"{hit_spans_inside / hit_spans:.1%}"
        )
    common = ", ".join(f"{text!r} {count}" for text, count in missed.most_common(examples * 3))
    print(f"   most common untouched spans: {common}")


def holds(hits: list[RuleHit]) -> list[RuleHit]:
    return [hit for hit in hits if hit.action in {"hold", "reject"}]


def false_holds(
    rules: list[Rule],
    name: str,
    label: str,
    is_innocent: Callable[[dict[str, str]], bool],
    examples: int,
) -> None:
    clean = held = held_without_links = toxic = caught = 0
    by_rule: collections.Counter[str] = collections.Counter()
    samples: list[str] = []
    for row in rows(name):
        hits = holds(run_rules(rules, RuleContext(row["text"])))
        if is_innocent(row):
            clean += 1
            if hits:
                held += 1
                held_without_links += any(hit.rule_id not in LINK_RULES for hit in hits)
                by_rule.update({hit.rule_id for hit in hits})
                if len(samples) < examples:
                    samples.append(f"{hits[0].rule_id}: {hits[0].message}")
        else:
            toxic += 1
            caught += bool(hits)
    print(f"   false holds on {label} rows: {held} of {clean} = {held / clean:.2%}")
    print(
        f"   without the link rules (the allow list is each site's own): {held_without_links}"
        f" of {clean} = {held_without_links / clean:.2%}"
    )
    print(f"   by rule: {dict(by_rule.most_common())}")
    for sample in samples:
        print(f"     e.g. {sample}")
    if toxic:
        print(
            f"   other rows held or rejected by a rule: {caught} of {toxic} = {caught / toxic:.1%}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5)
    args = parser.parse_args(argv)
    settings = load_settings(environ={})
    rules = build_rules(settings.rules)
    print(f"languages: {', '.join(settings.rules.languages)}; {len(rules)} rules")
    span_coverage(rules, args.examples)
    print("2. jigsaw_wiki_dev.csv (stands in for civil_comments_dev.csv), every default rule")
    false_holds(
        rules,
        "jigsaw_wiki_dev.csv",
        "toxicity < 0.5",
        lambda row: float(row["toxicity"] or 0) < 0.5,
        args.examples,
    )
    print("3. news_comments_unhealthy.csv (Globe and Mail), every default rule")
    false_holds(
        rules,
        "news_comments_unhealthy.csv",
        "healthy",
        lambda row: row["healthy"] == "1",
        args.examples,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
