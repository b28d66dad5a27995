"""`make eval`: the scoring worker's own decisions on every labelled set in ../shared/data.

Each comment goes through what a scoring worker runs: `ScoringPipeline` with
`build_rules(settings.rules)` and `load_scorer(settings.model)`, default settings (plus the
environment, as `make eval` sets the offline checkpoint), as the comment of a fresh author
(no approved comment) on an article with default settings. Per set it prints recall (positive
rows held or rejected), the false-hold rate (clean rows held or rejected), the share rejected,
the top causes of false holds and, on the identity templates, each identity term's false holds
and Borkan et al.'s (2019) subgroup, BPSN and BNSP AUCs, and per language what decided: a
model that serves it, the default model (too unsure to tell), or nothing (`language_unsupported`:
held, or published on the rules alone). The last lines are

    languages: ... decided by a model that serves their language, ... by the default model
    (unsure), ... language_unsupported (de 5,5xx, ...)
    news false holds: X%, identity false holds: Y% (en A%, de B%), threats caught: Z%

Model scores are cached on disk per (model, text) under var/eval/, so a rerun after a rule or
threshold change costs only the rules; the model runs on one torch thread (the machine is
shared). The data files are read at run time and never copied.

    python -m bench.eval [--sets news_comments_socc,identity_templates_en] [--limit 500]
                         [--author-approved 0] [--examples 3]
"""

from __future__ import annotations

import argparse
import collections
import csv
import dataclasses
import hashlib
import json
import math
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from moderation.config import PROJECT_ROOT, ModelSettings, Settings, load_settings, resolve_path
from moderation.pipeline.model import (
    INT8_RECIPE,
    ModelUnavailableError,
    Scorer,
    load_scorer,
    runtime_choice,
)
from moderation.pipeline.routing import load_router
from moderation.pipeline.rules import RuleContext, build_rules
from moderation.pipeline.rules.identity import load_identity_terms
from moderation.pipeline.scoring import ScoringPipeline
from moderation.pipeline.verdict import Verdict

SHARED = PROJECT_ROOT.parent / "shared"
DATA = SHARED / "data"
MODEL = SHARED / "models" / "minilm-toxicity"
WRITTEN_THREATS = PROJECT_ROOT / "bench" / "data" / "threats_written.csv"
CACHE = PROJECT_ROOT / "var" / "eval" / "scores.sqlite"
BIAS_FILE = PROJECT_ROOT / "config" / "rules" / "identity_bias.toml"
NEWS_SETS = ("news_comments_unhealthy", "news_comments_socc")
IDENTITY_SETS = ("identity_templates_en", "identity_templates_de")
THREAT_RULE_PREFIX = "threat"
BATCH = 64


@dataclasses.dataclass(frozen=True)
class Row:
    """One labelled comment: positive (should be held or rejected), clean, or neither."""

    text: str
    positive: bool | None
    group: str = ""  # the identity term a template names, or the source of a threat
    family: str = ""  # the template a sentence was made from


@dataclasses.dataclass(frozen=True)
class DataSet:
    name: str
    positive: str  # what a positive row is, in words
    clean: str
    rows: list[Row]


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    if not path.exists():
        sys.exit(f"{path} not found: make eval reads ../shared/data at run time")
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _binary(value: str) -> bool:
    return float(value or 0) >= 0.5


def load_sets(identity_term: Callable[[str, str], str]) -> dict[str, DataSet]:
    """Every labelled set, keyed by name (the file name without .csv)."""

    def socc(level: str) -> bool | None:
        return True if int(level) >= 3 else False if int(level) == 1 else None

    def unhealthy(row: dict[str, str]) -> bool | None:
        if row["hostile"] == "1":
            return True
        return False if row["healthy"] == "1" else None

    sets = [
        DataSet(
            "jigsaw_wiki_dev",
            "toxicity >= 0.5",
            "toxicity < 0.5",
            [
                Row(r["text"], _binary(r["toxicity"]))
                for r in read_csv(DATA / "jigsaw_wiki_dev.csv")
            ],
        ),
        DataSet(
            "news_comments_unhealthy",
            "hostile",
            "healthy",
            [Row(r["text"], unhealthy(r)) for r in read_csv(DATA / "news_comments_unhealthy.csv")],
        ),
        DataSet(
            "news_comments_socc",
            "toxicity level >= 3",
            "level 1 (not toxic)",
            [
                Row(r["text"], socc(r["toxicity_level"]))
                for r in read_csv(DATA / "news_comments_socc.csv")
            ],
        ),
        DataSet(
            "civil_comments_toxic_spans",
            "every post (all were pre-selected as toxic)",
            "none",
            [Row(r["text"], True) for r in read_csv(DATA / "civil_comments_toxic_spans.csv")],
        ),
    ]
    for name, language in (("identity_templates_en", "en"), ("identity_templates_de", "de")):
        rows = [
            Row(
                r["phrase"],
                r["toxicity"] == "toxic",
                identity_term(r["phrase"], language),
                r["template"],
            )
            for r in read_csv(DATA / f"{name}.csv")
        ]
        sets.append(DataSet(name, "toxic", "nontoxic", rows))
    threats = [Row(text, True, source) for source, text in threat_texts()]
    sets.append(DataSet("threats", "every row", "none", threats))
    return {dataset.name: dataset for dataset in sets}


def threat_texts() -> list[tuple[str, str]]:
    """The threat set: Jigsaw rows labelled threat (train and dev) plus our written cases.

    The written cases are kept apart from the rule tests' tuning cases
    (tests/unit/test_threats.py), so this measures the rules on text they were not tuned on.
    """
    texts = [
        ("jigsaw", row["text"])
        for name in ("jigsaw_wiki_train.csv", "jigsaw_wiki_dev.csv")
        for row in read_csv(DATA / name)
        if _binary(row["threat"])
    ]
    if WRITTEN_THREATS.exists():
        texts += [(f"written {row['language']}", row["text"]) for row in read_csv(WRITTEN_THREATS)]
    return texts


def source_report(outcomes: list[Outcome]) -> None:
    """Recall per source of the threat set, and what the threat rules alone catch."""
    for source in sorted({o.row.group for o in outcomes}):
        mine = [o for o in outcomes if o.row.group == source]
        by_rules = sum(
            any(hit.rule_id.startswith(THREAT_RULE_PREFIX) for hit in o.verdict.rule_hits)
            for o in mine
        )
        print(
            f"     {source:<12} held or rejected {share(sum(map(stopped, mine)), len(mine))}"
            f" of {len(mine)}; by a threat rule {share(by_rules, len(mine))}"
        )


class CachedScorer:
    """A Scorer that remembers each text's scores on disk, and loads the model only on a miss."""

    def __init__(self, settings: ModelSettings, path: Path = CACHE) -> None:
        self.settings = settings
        self.key = model_key(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS scores (model TEXT, text TEXT, scores TEXT, "
            "PRIMARY KEY (model, text))"
        )
        self._inner: Scorer | None = None
        self.labels: tuple[str, ...] = ()
        self.description = f"{describe(settings)} (scores cached in {path})"
        self.misses = 0

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return self.score_shifted(texts, ())

    def score_shifted(
        self, texts: Sequence[str], shifts: Sequence[Mapping[str, Sequence[float]]]
    ) -> list[dict[str, float]]:
        """The scorer's `score_shifted` (the identity correction's shifts join the confirmation
        band): a text with shifts is cached under the text and its shifts."""

        def key_of(index: int) -> str:
            shifted = shifts[index] if shifts else {}
            extra = (
                json.dumps({k: sorted(v) for k, v in sorted(shifted.items())}) if shifted else ""
            )
            return hashlib.sha256(
                (texts[index] + ("\0" + extra if extra else "")).encode()
            ).hexdigest()

        digests = [key_of(index) for index in range(len(texts))]
        known: dict[str, dict[str, float]] = {}
        for start in range(0, len(digests), 500):
            chunk = digests[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for digest, scores in self.db.execute(
                f"SELECT text, scores FROM scores WHERE model = ? AND text IN ({marks})",
                [self.key, *chunk],
            ):
                known[digest] = json.loads(scores)
        missing = [i for i, digest in enumerate(digests) if digest not in known]
        if missing:
            inner = self.inner()
            score_shifted = getattr(inner, "score_shifted", None)
            if shifts and score_shifted is not None:
                found = score_shifted([texts[i] for i in missing], [shifts[i] for i in missing])
            else:
                found = inner.score([texts[i] for i in missing])
            self.misses += len(missing)
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO scores VALUES (?, ?, ?)",
                    [
                        (self.key, digests[i], json.dumps(s))
                        for i, s in zip(missing, found, strict=True)
                    ],
                )
            known.update({digests[i]: s for i, s in zip(missing, found, strict=True)})
        return [known[digest] for digest in digests]

    def inner(self) -> Scorer:
        if self._inner is None:
            self._inner = load_scorer(self.settings)
            self.labels = self._inner.labels
        return self._inner


def describe(settings: ModelSettings) -> str:
    model = f"checkpoint {settings.checkpoint}" if settings.checkpoint else settings.name
    runtime, quantize = runtime_choice(settings)
    how = runtime
    if quantize == "int8":
        how += f", int8 confirmed within {settings.int8_confirm_logits} logits"
    if settings.screen_checkpoint:
        how += (
            f", screened by {settings.screen_checkpoint} "
            f"clearing below {settings.screen_confirm_logits} logits"
        )
    return f"{model} ({how})"


def model_key(settings: ModelSettings) -> str:
    """What makes two runs' scores comparable: the model file and how it is run."""
    stamp = ""
    if settings.checkpoint and Path(settings.checkpoint).is_file():
        status = Path(settings.checkpoint).stat()
        stamp = f"{status.st_size}:{status.st_mtime_ns}"
    parts = [
        describe(settings),
        stamp,
        *runtime_choice(settings),
        str(settings.window_tokens),
        f"confirm {settings.int8_confirm_logits}",
        INT8_RECIPE,
        str(settings.window_overlap_tokens),
    ]
    if settings.screen_checkpoint and Path(settings.screen_checkpoint).is_file():
        status = Path(settings.screen_checkpoint).stat()
        parts.append(f"screen {status.st_size}:{status.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def eval_settings() -> Settings:
    """Default settings and the environment; the offline checkpoint when none is configured."""
    environ = dict(os.environ)
    if "MODERATION_MODEL_CHECKPOINT" not in environ and (MODEL / "model.ckpt").is_file():
        environ["MODERATION_MODEL_CHECKPOINT"] = str(MODEL / "model.ckpt")
        environ["MODERATION_MODEL_CONFIG_DIR"] = str(MODEL / "config")
    # One torch thread: the model's score is the same, and the machine is shared.
    environ["MODERATION_MODEL_THREADS"] = "1"
    return load_settings(environ=environ)


@dataclasses.dataclass
class Outcome:
    row: Row
    verdict: Verdict


def run_set(
    pipeline: ScoringPipeline, dataset: DataSet, approved: int, limit: int
) -> list[Outcome]:
    rows = dataset.rows[:limit] if limit else dataset.rows
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        contexts = [
            RuleContext(
                row.text,
                article_id="eval-article",
                author_id=f"eval-author-{start + index}",
                author_approved_count=approved,
            )
            for index, row in enumerate(chunk)
        ]
        verdicts = pipeline.score_batch(contexts)
        outcomes += [Outcome(row, verdict) for row, verdict in zip(chunk, verdicts, strict=True)]
        if time.perf_counter() - started > 30 and start % (BATCH * 20) == 0:
            print(f"  ... {dataset.name}: {len(outcomes)} of {len(rows)}", file=sys.stderr)
    return outcomes


def stopped(outcome: Outcome) -> bool:
    return outcome.verdict.decision != "approve"


def causes(verdict: Verdict) -> list[str]:
    """What made a verdict hold or reject: rule ids and model labels past their hold level."""
    found = [hit.rule_id for hit in verdict.rule_hits]
    found += [f"model:{s.label}" for s in verdict.label_scores if s.band != "publish"]
    if verdict.model_error:
        found.append("model_unavailable")
    if verdict.language is not None and verdict.language.holds:
        found.append("language_unsupported")
    return found


def share(part: int, whole: int) -> str:
    return f"{part / whole:.2%}" if whole else "n/a"


@dataclasses.dataclass
class Tally:
    clean: int = 0
    clean_stopped: int = 0
    clean_rejected: int = 0
    positive: int = 0
    positive_stopped: int = 0
    positive_rejected: int = 0
    threat_rule_on_clean: int = 0

    def add(self, outcome: Outcome) -> None:
        decision = outcome.verdict.decision
        if outcome.row.positive:
            self.positive += 1
            self.positive_stopped += decision != "approve"
            self.positive_rejected += decision == "reject"
        elif outcome.row.positive is False:
            self.clean += 1
            self.clean_stopped += decision != "approve"
            self.clean_rejected += decision == "reject"


def report_set(dataset: DataSet, outcomes: list[Outcome], examples: int) -> Tally:
    tally = Tally()
    for outcome in outcomes:
        tally.add(outcome)
    print(f"\n== {dataset.name}: {len(outcomes)} rows")
    if tally.positive:
        print(
            f"   recall ({dataset.positive}): {share(tally.positive_stopped, tally.positive)}"
            f" of {tally.positive}; rejected {share(tally.positive_rejected, tally.positive)}"
        )
    if tally.clean:
        print(
            f"   false holds ({dataset.clean}): {share(tally.clean_stopped, tally.clean)}"
            f" ({tally.clean_stopped} of {tally.clean}); clean rows rejected "
            f"{share(tally.clean_rejected, tally.clean)} ({tally.clean_rejected})"
        )
        top = collections.Counter(
            cause
            for outcome in outcomes
            if outcome.row.positive is False and stopped(outcome)
            # Sorted: causes with equal counts then print in the same order on every run.
            for cause in sorted(set(causes(outcome.verdict)))
        )
        listed = ", ".join(f"{cause} {count}" for cause, count in top.most_common(8))
        print(f"   top causes of false holds: {listed or 'none'}")
        shown = [o for o in outcomes if o.row.positive is False and stopped(o)][:examples]
        for outcome in shown:
            print(f"     e.g. {outcome.verdict.summary[:110]} | {outcome.row.text[:70]!r}")
    rejected = sum(o.verdict.decision == "reject" for o in outcomes)
    print(f"   share rejected (all rows): {share(rejected, len(outcomes))}")
    if any(o.row.positive and not stopped(o) for o in outcomes) and examples:
        missed = [o.row.text[:80] for o in outcomes if o.row.positive and not stopped(o)]
        print(f"   missed, e.g.: {missed[:examples]}")
    return tally


def decider(verdict: Verdict) -> str:
    """What decided a comment, by its language: "<code> model", "unsure: default model" or
    "<code> language_unsupported"."""
    language = verdict.language
    if language is None:
        return "model"
    if language.routing == "uncertain":
        return "unsure: default model"
    if language.routing == "unsupported":
        return f"{language.code} language_unsupported"
    return f"{language.code} model"


def language_report(outcomes: list[Outcome], shown: int = 6) -> collections.Counter[str]:
    """Per language, what decided: a model that serves it, the default model, or none."""
    counts = collections.Counter(decider(o.verdict) for o in outcomes)
    listed = ", ".join(f"{key} {count:,}" for key, count in counts.most_common(shown))
    rest = sum(counts.values()) - sum(count for _, count in counts.most_common(shown))
    print(f"   languages, what decided: {listed}" + (f", other {rest:,}" if rest else ""))
    return counts


def threat_rule_hits(outcomes: list[Outcome]) -> int:
    return sum(
        any(hit.rule_id.startswith(THREAT_RULE_PREFIX) for hit in o.verdict.rule_hits)
        for o in outcomes
    )


# --- identity fairness ----------------------------------------------------------------------


def roc_auc(positives: list[float], negatives: list[float]) -> float:
    """ROC-AUC as the Mann-Whitney statistic (ties count half).

    Written here rather than pulling scikit-learn (tens of MB) into the project for one
    function of a benchmark.
    """
    if not positives or not negatives:
        return float("nan")
    ranked = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum = 0.0
    index = 0
    while index < len(ranked):
        end = index
        while end + 1 < len(ranked) and ranked[end + 1][0] == ranked[index][0]:
            end += 1
        average = (index + end) / 2 + 1
        rank_sum += average * sum(label for _, label in ranked[index : end + 1])
        index = end + 1
    count = len(positives)
    return (rank_sum - count * (count + 1) / 2) / (count * len(negatives))


def hold_margin(verdict: Verdict) -> float:
    """The model's continuous decision: the largest logit distance of a label above its hold
    level (>= 0: the model alone holds). Adjusted scores count, so corrections show."""

    def logit(p: float) -> float:
        p = min(max(p, 1e-6), 1 - 1e-6)
        return math.log(p / (1 - p))

    margins = [logit(s.score) - logit(s.hold) for s in verdict.label_scores if s.hold > 0]
    return max(margins, default=0.0)


def identity_report(outcomes: list[Outcome]) -> None:
    """Per identity term: false holds, recall and Borkan et al.'s three AUCs."""
    terms = sorted({o.row.group for o in outcomes if o.row.group})
    print("   per identity term: clean held | toxic caught | subgroup AUC | BPSN | BNSP")
    for term in terms:
        mine = [o for o in outcomes if o.row.group == term]
        rest = [o for o in outcomes if o.row.group != term]
        pos_in = [hold_margin(o.verdict) for o in mine if o.row.positive]
        neg_in = [hold_margin(o.verdict) for o in mine if o.row.positive is False]
        pos_out = [hold_margin(o.verdict) for o in rest if o.row.positive]
        neg_out = [hold_margin(o.verdict) for o in rest if o.row.positive is False]
        clean = [o for o in mine if o.row.positive is False]
        toxic = [o for o in mine if o.row.positive]
        print(
            f"     {term:<20} {share(sum(map(stopped, clean)), len(clean)):>7} of {len(clean):<4}"
            f" {share(sum(map(stopped, toxic)), len(toxic)):>7} of {len(toxic):<4}"
            f" {roc_auc(pos_in, neg_in):.3f}  {roc_auc(pos_out, neg_in):.3f}"
            f"  {roc_auc(pos_in, neg_out):.3f}"
        )
    print("   per template (the biases are measured on name_adj; the others are held out):")
    for family in sorted({o.row.family for o in outcomes}):
        mine = [o for o in outcomes if o.row.family == family]
        clean = [o for o in mine if o.row.positive is False]
        toxic = [o for o in mine if o.row.positive]
        print(
            f"     {family:<16} clean held {share(sum(map(stopped, clean)), len(clean)):>7}"
            f" of {len(clean):<5} toxic caught {share(sum(map(stopped, toxic)), len(toxic)):>7}"
            f" of {len(toxic)}"
        )
    unlabelled = sum(1 for o in outcomes if not o.row.group)
    if unlabelled:
        print(f"     ({unlabelled} rows name no listed identity term)")


def identity_term_finder(settings: Settings) -> Callable[[str, str], str]:
    """The identity term a template names, from the identity lists in config/rules/."""
    folder = resolve_path(settings.rules.word_lists_dir)
    lists = {language: load_identity_terms(folder, [language]) for language in ("en", "de")}
    return lambda text, language: lists[language].first(text)


def calibrate_identity(settings: Settings, scorer: CachedScorer) -> None:
    """Write the identity bias file: per identity term, the model's excess toxicity (median
    logit) on clean sentences naming it over clean sentences of the same frame naming an
    occupation instead ("You are a kind barber"), measured on the "name_adj" templates only,
    so the other template families stay a held-out check; at least 0, at most 4 logits."""
    folder = resolve_path(settings.rules.word_lists_dir)
    biases: dict[str, float] = {}
    for language in ("en", "de"):
        terms = load_identity_terms(folder, [language], labelled=True)
        rows = [
            r
            for r in read_csv(DATA / f"identity_templates_{language}.csv")
            if r["toxicity"] == "nontoxic"
        ]
        scores = scorer.score([r["phrase"] for r in rows])
        logits: dict[str, list[float]] = collections.defaultdict(list)
        background = []
        for row, found in zip(rows, scores, strict=True):
            value = _logit(found["toxicity"])
            if row["template"] == "you_occupation":
                background.append(value)
            elif row["template"] == "name_adj" and (term := terms.first(row["phrase"])):
                logits[term].append(value)
        base = statistics.median(background)
        for term, values in sorted(logits.items()):
            excess = statistics.median(values) - base
            if excess > 0.05 and len(values) >= 20:
                biases[term] = round(min(excess, 4.0), 2)
        print(f"{language}: background median logit {base:.2f} ({len(background)} rows)")
    commit = _commit()
    lines = [
        "# The model's bias per identity term, in logits: written by",
        "# `python -m bench.eval --calibrate-identity` (docs/quality.md), read through the",
        "# setting rules.identity_bias_file. Keys are <language>:<identity.txt entry>.",
        f'about = "{Path(describe(settings.model)).name}, key {model_key(settings.model)}, '
        f"commit {commit},"
        f' {time.strftime("%Y-%m-%d")}"',
        "",
        "[terms]",
    ]
    lines += [f'"{term}" = {value}' for term, value in sorted(biases.items())]
    BIAS_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(biases)} terms to {BIAS_FILE}")


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _commit() -> str:
    import subprocess

    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    parser.add_argument("--limit", type=int, default=0, help="rows per set (0: all)")
    parser.add_argument(
        "--author-approved",
        type=int,
        default=0,
        help="approved comments the author already has (default 0: a fresh author)",
    )
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument(
        "--calibrate-identity",
        action="store_true",
        help=f"measure the model's bias per identity term and write {BIAS_FILE}",
    )
    args = parser.parse_args(argv)
    settings = eval_settings()
    scorer = CachedScorer(settings.model)
    if args.calibrate_identity:
        calibrate_identity(settings, scorer)
        return 0
    try:
        scorer.inner()
    except ModelUnavailableError as error:
        sys.exit(f"make eval needs the model: {error}")
    # What a worker runs: each comment's language routes it to a model, or to none.
    router = load_router(settings.model, scorer)
    pipeline = ScoringPipeline.routed(build_rules(settings.rules), router)
    sets = load_sets(identity_term_finder(settings))
    wanted = [name for name in args.sets.split(",") if name] or list(sets)
    unknown = sorted(set(wanted) - set(sets))
    if unknown:
        sys.exit(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(sets)}")
    print(f"model: {scorer.description}; author with {args.author_approved} approved comments")
    tallies: dict[str, Tally] = {}
    deciders: collections.Counter[str] = collections.Counter()
    news_threat_hits = news_rows = 0
    started = time.perf_counter()
    for name in wanted:
        outcomes = run_set(pipeline, sets[name], args.author_approved, args.limit)
        tallies[name] = report_set(sets[name], outcomes, args.examples)
        deciders += language_report(outcomes)
        if name in IDENTITY_SETS:
            identity_report(outcomes)
        if name == "threats":
            source_report(outcomes)
        if name in NEWS_SETS:
            news_threat_hits += threat_rule_hits(outcomes)
            news_rows += len(outcomes)
    print(
        f"\nmodel calls for {scorer.misses} uncached texts; {time.perf_counter() - started:.0f} s"
    )
    if news_rows:
        print(
            f"news comments with a threat rule hit: {share(news_threat_hits, news_rows)}"
            f" ({news_threat_hits} of {news_rows})"
        )

    def summed(names: Sequence[str], field: str, whole: str) -> str:
        found = [tallies[name] for name in names if name in tallies]
        return share(
            sum(getattr(t, field) for t in found), sum(getattr(t, whole) for t in found)
        ).rstrip("%")

    news = summed(NEWS_SETS, "clean_stopped", "clean")
    identity = summed(IDENTITY_SETS, "clean_stopped", "clean")
    per_language = ", ".join(
        f"{name.rsplit('_', 1)[-1]} {summed([name], 'clean_stopped', 'clean')}%"
        for name in IDENTITY_SETS
        if name in tallies
    )
    threats = summed(["threats"], "positive_stopped", "positive")
    served = sum(n for key, n in deciders.items() if key.endswith(" model") or key == "model")
    unsure = deciders["unsure: default model"]
    unsupported = {
        key.split()[0]: n for key, n in deciders.items() if key.endswith("language_unsupported")
    }
    listed = ", ".join(
        f"{code} {n:,}" for code, n in sorted(unsupported.items(), key=lambda item: -item[1])[:8]
    )
    print(
        f"languages: {served:,} decided by a model that serves their language, {unsure:,} by "
        f"the default model (unsure), {sum(unsupported.values()):,} language_unsupported"
        f" ({listed or 'none'})"
    )
    print(
        f"news false holds: {news}%, identity false holds: {identity}% ({per_language}), "
        f"threats caught: {threats}%"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
