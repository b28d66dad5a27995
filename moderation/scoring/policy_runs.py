"""Each comment of a batch as its site's policies see it: the live one, and the shadow beside it.

The site view (sites/service.py, cached `sites.cache_seconds`) carries the live policy's version
and model and the shadow policy, so this costs no query per comment. A policy that names a
checkpoint gets that model (`PolicyModels`, loaded on first use and kept per file); one that
names none uses the model the comment's language routes to, so a shadow with the live model
adds no model call (pipeline/scoring.py `score_runs`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from moderation.config import LanguageModel, ModelSettings
from moderation.pipeline.model import ModelUnavailableError, load_language_model
from moderation.pipeline.routing import LoadedModel
from moderation.pipeline.rules import RuleContext
from moderation.pipeline.scoring import PolicyRun
from moderation.pipeline.verdict import Verdict
from moderation.sites.policies import PolicyView, checkpoint_files
from moderation.sites.service import SiteView

log = logging.getLogger(__name__)

# A checkpoint that failed to load is tried again after this long (it may be being written).
RETRY_FAILED_SECONDS = 30.0


class PolicyModels:
    """The models sites' policies name, loaded on first use, kept per checkpoint file (a
    rewritten file is a new model), at most `keep` of them (least recently used goes)."""

    def __init__(self, settings: ModelSettings, keep: int = 4) -> None:
        self.settings = settings
        self.keep = keep
        self.loads = 0
        self._models: OrderedDict[tuple[str, str, int], tuple[float, LoadedModel]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, model: Mapping[str, str] | None) -> LoadedModel | None:
        """The loaded model a policy names; None when it names none."""
        if not model:
            return None
        checkpoint, config_dir = checkpoint_files(model)
        try:
            stamp = os.stat(checkpoint).st_mtime_ns
        except OSError:
            stamp = 0
        key = (checkpoint, config_dir, stamp)
        with self._lock:
            found = self._models.get(key)
            if found is not None and (
                found[1].scorer is not None or time.monotonic() - found[0] < RETRY_FAILED_SECONDS
            ):
                self._models.move_to_end(key)
                return found[1]
            loaded = self._load(checkpoint, config_dir)
            self._models[key] = (time.monotonic(), loaded)
            while len(self._models) > self.keep:
                self._models.popitem(last=False)
            return loaded

    def loaded(self) -> dict[str, str | None]:
        """Each model policies named that this worker holds: its description, and its error
        (None: loaded), for the heartbeat's status."""
        with self._lock:
            return {model.description: model.error for _, model in self._models.values()}

    def _load(self, checkpoint: str, config_dir: str) -> LoadedModel:
        description = f"checkpoint {checkpoint}"
        started = time.perf_counter()
        try:
            scorer = load_language_model(
                self.settings, LanguageModel(checkpoint=checkpoint, config_dir=config_dir)
            )
        except ModelUnavailableError as failure:
            log.error("a policy's model did not load: %s", failure)
            return LoadedModel(None, description, f"the policy's model: {failure}")
        self.loads += 1
        log.info("policy model loaded: %s in %.1fs", description, time.perf_counter() - started)
        return LoadedModel(scorer, scorer.description)


@dataclasses.dataclass(frozen=True)
class CommentPolicies:
    """One comment's runs (live first, then the shadow's) and what to record beside them."""

    runs: tuple[PolicyRun, ...]
    live_version: int | None
    shadow_version: int | None
    spot_check_share: float


def plan(
    contexts: Sequence[RuleContext],
    article_rules: Sequence[Mapping[str, Any]],
    sites: Sequence[SiteView | None],
    models: PolicyModels,
    spot_check_share: float,
) -> list[CommentPolicies]:
    """The runs of each comment: `contexts` are the live policy's rule inputs,
    `article_rules` each comment's article's own rule values (they go over any policy's)."""
    planned = []
    # Each site's models once per batch (a policy's checkpoint file is looked at once).
    loaded: dict[tuple[str, bool], LoadedModel | None] = {}

    def model_of(site: SiteView, shadow: PolicyView | None) -> LoadedModel | None:
        key = (site.id, shadow is not None)
        if key not in loaded:
            loaded[key] = models.get(shadow.model if shadow else site.model)
        return loaded[key]

    for context, own, site in zip(contexts, article_rules, sites, strict=True):
        live = PolicyRun(context, model_of(site, None) if site else None)
        runs = [live]
        shadow = site.shadow if site else None
        if site is not None and shadow is not None:
            runs.append(PolicyRun(shadow_context(context, own, shadow), model_of(site, shadow)))
        share = spot_check_share
        if site is not None and "share" in site.settings.get("spot_check", {}):
            share = float(site.settings["spot_check"]["share"])
        planned.append(
            CommentPolicies(
                tuple(runs),
                site.policy_version if site else None,
                shadow.version if shadow else None,
                share,
            )
        )
    return planned


def shadow_context(
    live: RuleContext, article_rules: Mapping[str, Any], shadow: PolicyView
) -> RuleContext:
    """The live rule inputs with the shadow policy's settings in place of the live one's."""
    return dataclasses.replace(
        live,
        article_rules={**shadow.rules, **article_rules},
        site_thresholds=shadow.thresholds,
        site_premoderate=shadow.premoderate,
    )


def spot_checked(verdict: Verdict, share: float, draw: random.Random) -> bool:
    """Whether a comment the machine publishes is sampled for a spot check."""
    return verdict.decision == "approve" and share > 0 and draw.random() < share
