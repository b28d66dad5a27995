"""The scoring pipeline: rules first, then one model call for the rest, then the verdicts.

A comment that a rule already rejects never reaches the model. Rules that are also score
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

from moderation.config import ModelSettings
from moderation.pipeline.model import Scorer
from moderation.pipeline.rules import Rule, RuleContext, run_rules
from moderation.pipeline.rules.base import ScoreAdjuster
from moderation.pipeline.verdict import RuleHit, ScoreAdjustment, Verdict, decide


@dataclasses.dataclass(frozen=True)
class ScoringPipeline:
    """Rules plus an optional model, with the thresholds that turn scores into decisions."""

    rules: Sequence[Rule]
    scorer: Scorer | None
    thresholds: dict[str, tuple[float, float]]
    model_error: str | None = None

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

    def score_batch(self, contexts: Sequence[RuleContext]) -> list[Verdict]:
        """One verdict per comment, in order; the model sees only what the rules let through."""
        all_hits = [run_rules(self.rules, context) for context in contexts]
        to_model = [
            index
            for index, hits in enumerate(all_hits)
            if not any(hit.action == "reject" for hit in hits)
        ]
        scores: dict[int, dict[str, float]] = {}
        error = self.model_error
        description = self.scorer.description if self.scorer else None
        if self.scorer is not None and to_model:
            try:
                batch = self.scorer.score([contexts[index].text for index in to_model])
                scores = dict(zip(to_model, batch, strict=True))
            except Exception as failure:  # a model fault holds the batch, never publishes it
                error = f"the model failed: {type(failure).__name__}: {failure}"
        elif self.scorer is None and error is None:
            error = "no model is loaded"
        errors = {index: _non_finite(found) for index, found in scores.items()}
        verdicts = []
        for index, (hits, context) in enumerate(zip(all_hits, contexts, strict=True)):
            found = None if errors.get(index) else scores.get(index)
            adjustments = self._adjustments(context, hits, found) if found else []
            verdicts.append(
                self._verdict(
                    hits,
                    found,
                    errors.get(index) or error,
                    description,
                    context.author_trusted,
                    adjustments,
                    self._thresholds(context),
                )
            )
        return verdicts

    def _thresholds(self, context: RuleContext) -> Mapping[str, tuple[float, float]]:
        """The service's levels, with the comment's site's own over them."""
        if not context.site_thresholds:
            return self.thresholds
        merged = dict(self.thresholds)
        for label, band in context.site_thresholds.items():
            hold, reject = merged.get(label, (1.0, 1.0))
            merged[label] = (float(band.get("hold", hold)), float(band.get("reject", reject)))
        return merged

    def _adjustments(
        self, context: RuleContext, hits: list[RuleHit], scores: dict[str, float]
    ) -> list[ScoreAdjustment]:
        found = []
        for rule in self.rules:
            if isinstance(rule, ScoreAdjuster):
                adjustment = rule.adjust(context, hits, scores)
                if adjustment is not None:
                    found.append(adjustment)
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
    ) -> Verdict:
        rejected_by_rule = any(hit.action == "reject" for hit in hits)
        return decide(
            hits,
            scores,
            thresholds,
            model_error=None if scores is not None or rejected_by_rule else error,
            model_description=description,
            trusted=trusted,
            adjustments=adjustments,
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
