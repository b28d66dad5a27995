"""The scoring pipeline: rules first, then one model call per model for the rest, then verdicts.

Each comment's language routes it to the model that serves that language (`routing.py`), or
to none: such a comment gets the rules, then a person (`language_unsupported`) or publication.
A comment that a rule already rejects never reaches a model. Rules that are also score
adjusters (`ScoreAdjuster`: the identity-mention correction) may then change a comment's
scores, and the verdict shows how. When the model is missing or
fails, comments are held with the reason (nothing is published without a score). Trusted
authors (a plain value the caller puts in each RuleContext) skip the hold band, never the
reject band.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import TypeGuard

from moderation.config import ModelSettings
from moderation.pipeline.model import Scorer, score_planned
from moderation.pipeline.routing import LanguageRouter, LoadedModel, Route
from moderation.pipeline.rules import Rule, RuleContext, run_rules
from moderation.pipeline.rules.base import PlannedAdjustment, ScoreAdjuster
from moderation.pipeline.verdict import (
    LanguageFound,
    RuleHit,
    ScoreAdjustment,
    Verdict,
    decide,
)


@dataclasses.dataclass(frozen=True)
class PolicyRun:
    """A comment as one policy sees it: the rule inputs with that policy's settings, and the
    model it names (None: the model the comment's language routes to)."""

    context: RuleContext
    model: LoadedModel | None = None


@dataclasses.dataclass(frozen=True)
class ScoringPipeline:
    """Rules plus models, with the thresholds that turn scores into decisions.

    `scorer`, `thresholds` and `model_error` are the default model's. With a `router`
    (`pipeline/routing.py`, what a worker has), each comment's language picks its model and
    thresholds, or none; without one, every comment goes to the default model.
    """

    rules: Sequence[Rule]
    scorer: Scorer | None
    thresholds: dict[str, tuple[float, float]]
    model_error: str | None = None
    router: LanguageRouter | None = None

    @classmethod
    def from_settings(
        cls,
        rules: Sequence[Rule],
        scorer: Scorer | None,
        settings: ModelSettings,
        model_error: str | None = None,
    ) -> ScoringPipeline:
        thresholds = {
            label: (band.hold, band.reject) for label, band in settings.thresholds.items()
        }
        return cls(rules, scorer, thresholds, model_error)

    @classmethod
    def routed(cls, rules: Sequence[Rule], router: LanguageRouter) -> ScoringPipeline:
        """A pipeline that routes each comment by its language (the worker's)."""
        default = router.default
        return cls(
            rules,
            default.model.scorer,
            dict(default.thresholds),
            default.model.error,
            router,
        )

    def score_batch(self, contexts: Sequence[RuleContext]) -> list[Verdict]:
        """One verdict per comment, in order; the models see only what the rules let through.

        Comments are grouped by the model their language routes to: one batched call per model.
        """
        return [runs[0] for runs in self.score_runs([[PolicyRun(c)] for c in contexts])]

    def score_runs(self, comments: Sequence[Sequence[PolicyRun]]) -> list[list[Verdict]]:
        """Per comment, one verdict per policy run (the live policy's, then a shadow's).

        A comment's language is identified once; each run gets its own rule hits (its rule
        settings may differ) and thresholds; each text is scored once per distinct model, so a
        shadow with the live policy's model costs no model call, only rules and a verdict.
        """
        flat = [(index, run) for index, runs in enumerate(comments) for run in runs]
        contexts = [run.context for _, run in flat]
        all_hits: list[list[RuleHit]] = []
        first_at: dict[int, int] = {}  # comment -> the position of its live run
        for index, run in flat:
            at = first_at.setdefault(index, len(all_hits))
            first = contexts[at]
            if at != len(all_hits) and _same_rule_inputs(first, run.context):
                # Thresholds are not rule inputs: a shadow that changes only them reuses the
                # live run's hits (rules are most of a shadow's cost, bench/bench_shadow.py).
                all_hits.append(list(all_hits[at]))
            else:
                all_hits.append(run_rules(self.rules, run.context))
        languages: list[tuple[LanguageFound | None, Route | None]]
        if self.router is not None:
            languages = [self.router.route(runs[0].context.text) for runs in comments]
        else:
            fallback = Route(
                LoadedModel(
                    self.scorer,
                    self.scorer.description if self.scorer else "no model",
                    self.model_error,
                ),
                self.thresholds,
            )
            languages = [(None, fallback) for _ in comments]
        routed: list[tuple[LanguageFound | None, Route | None]] = []
        for index, run in flat:
            language, route = languages[index]
            if route is not None and run.model is not None:
                route = Route(run.model, route.thresholds)
            routed.append((language, route))
        _confirm_site_levels(contexts, routed)
        plans = [
            self._plans(context, hits) for context, hits in zip(contexts, all_hits, strict=True)
        ]
        scores, errors = _score_by_model(contexts, all_hits, routed, [i for i, _ in flat], plans)
        verdicts: list[list[Verdict]] = [[] for _ in comments]
        for position, (hits, context) in enumerate(zip(all_hits, contexts, strict=True)):
            language, route = routed[position]
            found: dict[str, float] | None = None if position in errors else scores.get(position)
            adjustments = [plan.apply(found) for plan in plans[position]] if found else []
            thresholds = route.thresholds if route is not None else self.thresholds
            verdicts[flat[position][0]].append(
                self._verdict(
                    hits,
                    found,
                    errors.get(position),
                    route.model.description if route and route.model.scorer else None,
                    context.author_trusted,
                    adjustments,
                    self._thresholds(context, thresholds),
                    language,
                )
            )
        return verdicts

    def _thresholds(
        self, context: RuleContext, thresholds: Mapping[str, tuple[float, float]] | None = None
    ) -> Mapping[str, tuple[float, float]]:
        """The service's levels (the comment's language's), with the comment's site's over them."""
        base = self.thresholds if thresholds is None else thresholds
        if not context.site_thresholds:
            return base
        merged = dict(base)
        for label, band in context.site_thresholds.items():
            hold, reject = merged.get(label, (1.0, 1.0))
            merged[label] = (float(band.get("hold", hold)), float(band.get("reject", reject)))
        return merged

    def _plans(self, context: RuleContext, hits: list[RuleHit]) -> list[PlannedAdjustment]:
        """What the adjusters will take off this run's scores (known before scoring)."""
        found = []
        for rule in self.rules:
            if _is_adjuster(rule):
                plan = rule.plan(context, hits)
                if plan is not None:
                    found.append(plan)
        return found

    def _verdict(
        self,
        hits: list[RuleHit],
        scores: dict[str, float] | None,
        error: str | None,
        description: str | None,
        trusted: bool,
        adjustments: list[ScoreAdjustment],
        thresholds: Mapping[str, tuple[float, float]],
        language: LanguageFound | None = None,
    ) -> Verdict:
        rejected_by_rule = any(hit.action == "reject" for hit in hits)
        unsupported = language is not None and language.routing == "unsupported"
        return decide(
            hits,
            scores,
            thresholds,
            model_error=None if scores is not None or rejected_by_rule or unsupported else error,
            model_description=description,
            trusted=trusted,
            adjustments=adjustments,
            language=language,
        )


def _score_by_model(
    contexts: Sequence[RuleContext],
    all_hits: Sequence[list[RuleHit]],
    routed: Sequence[tuple[LanguageFound | None, Route | None]],
    comments: Sequence[int] | None = None,
    plans: Sequence[Sequence[PlannedAdjustment]] = (),
) -> tuple[dict[int, dict[str, float]], dict[int, str]]:
    """Scores of the runs no rule rejected that a model serves, one call per model and each
    comment (`comments[run]`, the run's comment) scored once per model; and why the others
    that should have been scored were not (a missing or failing model).

    A model that confirms int8 scores in float near the thresholds (`score_shifted`) is told,
    per text, the logits its runs' adjustments will take off each label (`plans`), so that it
    also confirms near the levels the adjusted scores are compared with.
    """
    owner = list(comments) if comments is not None else list(range(len(contexts)))
    groups: dict[int, dict[int, list[int]]] = {}
    models: dict[int, LoadedModel] = {}
    for index, hits in enumerate(all_hits):
        route = routed[index][1]
        if route is None or any(hit.action == "reject" for hit in hits):
            continue
        groups.setdefault(id(route.model), {}).setdefault(owner[index], []).append(index)
        models[id(route.model)] = route.model
    scores: dict[int, dict[str, float]] = {}
    errors: dict[int, str] = {}
    for key, by_comment in groups.items():
        model = models[key]
        runs = [index for indices in by_comment.values() for index in indices]
        if model.scorer is None:
            errors.update(dict.fromkeys(runs, model.error or "no model is loaded"))
            continue
        texts = [contexts[found[0]].text for found in by_comment.values()]
        shifts = [_shifts_of(plans, found) for found in by_comment.values()] if plans else []
        try:
            batch = score_planned(model.scorer, texts, shifts)
            for found, scored in zip(by_comment.values(), batch, strict=True):
                scores.update(dict.fromkeys(found, scored))
        except Exception as failure:  # a model fault holds its comments, never publishes them
            failed = f"the model failed: {type(failure).__name__}: {failure}"
            errors.update(dict.fromkeys(runs, failed))
    for index, scored in scores.items():
        bad = _non_finite(scored)
        if bad:
            errors[index] = bad
    return scores, errors


def _shifts_of(
    plans: Sequence[Sequence[PlannedAdjustment]], runs: Sequence[int]
) -> dict[str, list[float]]:
    """Per label, every shift the adjustments of these runs (one comment's) will make."""
    found: dict[str, list[float]] = {}
    for run in runs:
        for plan in plans[run]:
            for label, shift in plan.shifts.items():
                if shift and shift not in found.setdefault(label, []):
                    found[label].append(shift)
    return found


def _same_rule_inputs(first: RuleContext, other: RuleContext) -> bool:
    """Whether two runs of one comment give the rules the same inputs (thresholds aside)."""
    return (
        first.article_rules == other.article_rules
        and first.site_premoderate == other.site_premoderate
        and dataclasses.replace(other, site_thresholds=first.site_thresholds) == first
    )


def _non_finite(scores: dict[str, float]) -> str | None:
    """Why these scores cannot be trusted (a NaN or infinite label), or None.

    A NaN compares below every threshold, so without this check a broken model (a bad
    quantisation, an fp16 overflow on a GPU) would publish everything it scores.
    """
    bad = sorted(label for label, value in scores.items() if not math.isfinite(value))
    if not bad:
        return None
    return f"the model returned a non-finite score for {', '.join(bad)}"


def _confirm_site_levels(
    contexts: Sequence[RuleContext], routed: Sequence[tuple[LanguageFound | None, Route | None]]
) -> None:
    """Tell a model that confirms int8 scores in float about the sites' own thresholds."""
    for context, (_, route) in zip(contexts, routed, strict=True):
        if not context.site_thresholds or route is None or route.model.scorer is None:
            continue
        confirm_near = getattr(route.model.scorer, "confirm_near", None)
        if confirm_near is not None:
            confirm_near(
                {
                    label: [float(level) for level in band.values()]
                    for label, band in context.site_thresholds.items()
                }
            )


# isinstance against a runtime-checkable Protocol inspects the class's members on every call
# (about 5 us); asked per comment and rule it was 2% of a scoring worker's job. The answer
# depends on the rule's class only.
_adjuster_classes: dict[type, bool] = {}


def _is_adjuster(rule: Rule) -> TypeGuard[ScoreAdjuster]:
    kind = type(rule)
    known = _adjuster_classes.get(kind)
    if known is None:
        known = _adjuster_classes[kind] = isinstance(rule, ScoreAdjuster)
    return known
