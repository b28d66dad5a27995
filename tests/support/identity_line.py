"""A clean identity mention whose corrected score sits exactly on a hold level: the case both
the worker's and the synchronous decisions' int8 confirmation must cover (the identity
correction moves the score there only after the model, decision record 0028)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from moderation.config import ModelSettings, Thresholds
from moderation.pipeline.model import load_scorer
from moderation.pipeline.rules import Rule, RuleContext
from moderation.pipeline.scoring import ScoringPipeline

TEXT = "Medina is a gracious lesbian"


@dataclasses.dataclass(frozen=True)
class OnTheLine:
    comment: RuleContext
    raw: float  # int8 toxicity before the correction
    adjusted: float  # and after it
    model: ModelSettings  # `model` with one hold level, exactly at `adjusted`


def corrected_onto_a_line(model: ModelSettings, rules: Sequence[Rule]) -> OnTheLine:
    """TEXT by an author with approved comments, its int8 scores without confirmation, and the
    model settings whose only level is where its corrected score lands: only the planned shift
    puts its window near a line, its own score lies far from every level."""
    comment = RuleContext(TEXT, author_approved_count=3)
    alone = load_scorer(dataclasses.replace(model, int8_confirm_logits=0.0))
    [adjustment] = (
        ScoringPipeline.from_settings(rules, alone, model).score_batch([comment])[0].adjustments
    )
    raw, adjusted = adjustment.before["toxicity"], adjustment.after["toxicity"]
    assert _logit(raw) - _logit(adjusted) > 2 * model.int8_confirm_logits  # far from the line
    only = {"toxicity": Thresholds(hold=adjusted, reject=0.9999)}
    return OnTheLine(comment, raw, adjusted, dataclasses.replace(model, thresholds=only))


def _logit(probability: float) -> float:
    return math.log(probability / (1 - probability))
