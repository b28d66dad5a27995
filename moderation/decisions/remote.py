"""The model as the web process sees it: a `Scorer` whose texts go to the scoring workers.

Web processes hold no model. `RemoteScorer.score` hands texts to the workers through the
Perspective analyze path (`perspective/analysis.py`: admission, shared batches, a reply key) and
waits only until the call's deadline; past it, or past capacity, it raises and the pipeline holds
the text with the reason (`model_unavailable`), which the decision service reads as "could not
decide". `remote_router` routes each text's language to the worker model that serves it, with
that language's thresholds, exactly as the worker's own router would.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from moderation.config import ModelSettings
from moderation.perspective.analysis import AnalysisQueue, AnalysisUnavailableError
from moderation.pipeline.routing import LanguageRouter, LoadedModel, Route

# Below this many seconds left there is no point in asking a worker.
MIN_SECONDS_FOR_MODEL = 0.005


class RemoteScorer:
    """Scores texts on the scoring workers with the model of `language`, by `deadline_at`."""

    def __init__(
        self,
        analysis: AnalysisQueue,
        language: str,
        labels: Sequence[str],
        description: str,
        deadline_at: float,
    ) -> None:
        self.analysis = analysis
        self.language = language
        self.labels = tuple(labels)
        self.description = description
        self.deadline_at = deadline_at  # time.monotonic() value

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return self.score_shifted(texts, ())

    def score_shifted(
        self, texts: Sequence[str], shifts: Sequence[Mapping[str, Sequence[float]]]
    ) -> list[dict[str, float]]:
        """`score`, telling the worker's model each text's planned adjustments (the identity
        correction), so its int8 confirmation covers the adjusted levels as it does for the
        comments a worker decides itself."""
        left = self.deadline_at - time.monotonic()
        if left < MIN_SECONDS_FOR_MODEL:
            raise AnalysisUnavailableError("the deadline passed before the model was asked")
        return self.analysis.score(list(texts), self.language, deadline_seconds=left, shifts=shifts)


def remote_router(
    settings: ModelSettings, analysis: AnalysisQueue, deadline_at: float
) -> LanguageRouter:
    """A router like the workers' (`pipeline.routing.load_router`) whose models are the workers'."""

    def bands(code: str) -> dict[str, tuple[float, float]]:
        return {
            label: (band.hold, band.reject)
            for label, band in settings.language_thresholds(code).items()
        }

    def model(language: str, description: str, labels: Sequence[str]) -> LoadedModel:
        scorer = RemoteScorer(analysis, language, labels, description, deadline_at)
        return LoadedModel(scorer, description)

    default_bands = bands("")
    default = model("", "the scoring workers' default model", list(default_bands))
    routes: dict[str, Route] = {}
    for code in settings.default_languages:
        routes[code] = Route(default, bands(code))
    for code in sorted(settings.languages):
        code_bands = bands(code)
        routes[code] = Route(
            model(code, f"the scoring workers' model for {code}", list(code_bands)), code_bands
        )
    return LanguageRouter(
        default=Route(default, default_bands),
        routes=routes,
        unsupported="publish" if settings.unsupported_language == "publish" else "hold",
        min_confidence=settings.language_min_confidence,
        min_letters=settings.language_min_letters,
    )
