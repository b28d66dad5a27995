"""Rules benchmark: comments/s of the whole default rule set on one core.

Comments of 500 characters (news comments from ../shared/data, or generated text when that
folder is absent, with some disguised terms mixed in) against a word list of at least 2,000
terms: the default lists plus generated words. Each comment gets a fresh RuleContext, so
normalisation is counted. Prints the cost of each rule, then the best of several rounds in
CPU time and in wall-clock time, and the machine's load average.

    python -m bench.bench_rules [--comments 5000] [--terms 2000] [--chars 500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import random
import string
import sys
import time

from moderation.config import PROJECT_ROOT, load_settings, resolve_path
from moderation.pipeline.rules import Rule, RuleContext, build_rules, run_rules
from moderation.pipeline.rules.wordlists import Term, load_word_lists

DATA = PROJECT_ROOT.parent / "shared" / "data" / "jigsaw_wiki_dev.csv"
DISGUISES = ["f.u.c.k", "sh1t", "ｆｕｃｋ", "a s s h o l e", "idiooooot", "b!tch", "k y s"]
FILLER_TEXT = (
    "the council said on monday that the new budget would cover roads schools "
    "and parks while critics argued that taxes were already too high for families"
)


def comments(count: int, chars: int, seed: int = 7) -> list[str]:
    """`count` comments of exactly `chars` characters; one in ten carries a disguised term."""
    rng = random.Random(seed)
    pool: list[str] = []
    if DATA.exists():
        csv.field_size_limit(sys.maxsize)
        with DATA.open(encoding="utf-8", newline="") as handle:
            pool = [" ".join(row["text"].split()) for row in csv.DictReader(handle)]
    if not pool:
        print(f"note: {DATA} not found; using generated text", file=sys.stderr)
        pool = [" ".join(rng.choice(FILLER_TEXT.split()) for _ in range(120)) for _ in range(200)]
    stream = " ".join(pool)
    texts = []
    for index in range(count):
        start = rng.randrange(0, max(1, len(stream) - chars))
        text = stream[start : start + chars].ljust(chars, ".")
        if index % 10 == 0:  # between two words; the end is cut to keep the length
            word = " " + rng.choice(DISGUISES)
            at = max(0, text.find(" ", rng.randrange(0, chars - len(word))))
            text = (text[:at] + word + text[at:])[:chars]
        texts.append(text)
    return texts


def generated_terms(count: int, seed: int = 11) -> list[str]:
    """Pronounceable made-up words (and a few two-word phrases), none an English word."""
    rng = random.Random(seed)
    consonants = "bcdfghjklmnprstvwz"
    vowels = "aeiou"
    terms: set[str] = set()
    while len(terms) < count:
        length = rng.randint(2, 4)
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(length))
        word += rng.choice(consonants + "x")
        if rng.random() < 0.1:
            word += " " + "".join(rng.choice(string.ascii_lowercase) for _ in range(5))
        terms.add(word)
    return sorted(terms)


def rule_set(term_count: int) -> tuple[list[Rule], int]:
    """The default rules with the suspect list grown to `term_count` terms in all."""
    settings = load_settings(environ={}).rules
    lists = load_word_lists(resolve_path(settings.word_lists_dir), settings.languages)
    have = len(lists.banned) + len(lists.suspect)
    extra = [Term(text, "xx") for text in generated_terms(max(0, term_count - have))]
    grown = dataclasses.replace(lists, suspect=lists.suspect + tuple(extra))
    return build_rules(settings, grown), len(grown.banned) + len(grown.suspect)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--terms", type=int, default=2000)
    parser.add_argument("--chars", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    texts = comments(args.comments, args.chars)
    built = time.perf_counter()
    rules, terms = rule_set(args.terms)
    built = time.perf_counter() - built
    print(
        f"{len(texts)} comments of {args.chars} characters, {terms} terms "
        f"(automata built in {built * 1000:.0f} ms), {len(rules)} rules, one core"
    )
    best = best_cpu = float("inf")
    held = 0
    for _ in range(args.rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        flagged = 0
        for text in texts:
            if run_rules(rules, RuleContext(text)):
                flagged += 1
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
        held = flagged
    print(f"comments with a hit: {held} of {len(texts)}")
    per_rule = []
    for rule in rules:
        contexts = [RuleContext(text) for text in texts]
        for context in contexts:
            _ = context.normalised
        start = time.process_time()
        for context in contexts:
            rule.check(context)
        per_rule.append((rule.id, (time.process_time() - start) / len(texts)))
    start = time.process_time()
    for text in texts:
        _ = RuleContext(text).normalised
    normalise_cost = (time.process_time() - start) / len(texts)
    print("CPU time per comment (the term rules share one pass; each is timed alone here):")
    print(f"  {'normalise':<22} {normalise_cost * 1e6:8.1f} us/comment")
    for rule_id, cost in per_rule:
        print(f"  {rule_id:<22} {cost * 1e6:8.1f} us/comment")
    print(
        f"rules, CPU time: {len(texts) / best_cpu:,.0f} comments/s (best of {args.rounds} rounds)"
    )
    print(f"rules: {len(texts) / best:,.0f} comments/s (wall clock, best of {args.rounds} rounds)")
    if hasattr(os, "getloadavg"):
        # On a shared machine the wall clock counts other people's work too; the CPU-time
        # figure is then the closer estimate of what one free core does.
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
