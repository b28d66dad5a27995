"""Languages on purpose: which model decides a comment, by the language it is written in.

Each comment's language is identified (`pipeline/language.py`). A language that a loaded model
serves goes to that model, with that language's thresholds: the default model for the
languages it serves (`model.languages_served`; "en" for the shipped checkpoint), or the model
of a `[model.languages.<code>]` entry. A language no loaded model serves is never scored by a
model trained for another: its comment gets the rules (every configured language's lists run
on every comment, so Arabic lists catch Arabic abuse), then is held for a person with the
reason `language_unsupported`, or published on the rules alone, per
`model.unsupported_language`.

Identification is unsure on short texts, so a text in the Latin script with fewer letters than
`model.language_min_letters`, or identified below `model.language_min_confidence`, goes to
the default model ("uncertain"). A text mostly in another script (Arabic, Cyrillic, ...) is
routed by its identified language however short: the script alone rules out the Latin-script
languages, and the default model would read it blind.

`load_router(settings)` loads every distinct model once (two languages naming the same model
share one), so a worker holds one copy of each.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from moderation.config import LanguageModel, ModelSettings
from moderation.pipeline.language import Identified, identify
from moderation.pipeline.model import (
    ModelUnavailableError,
    Scorer,
    load_language_model,
    load_scorer,
)
from moderation.pipeline.verdict import LanguageFound

log = logging.getLogger(__name__)

# A text is "in another script" when fewer than this share of its letters are Latin.
LATIN_SCRIPT_SHARE = 0.5


@dataclasses.dataclass(frozen=True, eq=False)
class LoadedModel:
    """One model a worker holds, shared by every language routed to it (None: failed to load)."""

    scorer: Scorer | None
    description: str
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class Route:
    """Where one language's comments go: a model, and the thresholds for that language."""

    model: LoadedModel
    thresholds: Mapping[str, tuple[float, float]]


@dataclasses.dataclass(frozen=True)
class LanguageRouter:
    """Identifies each comment's language and picks its route (None: no model serves it)."""

    default: Route
    routes: Mapping[str, Route]  # every served language, the default model's ones included
    unsupported: Literal["hold", "publish"] = "hold"
    min_confidence: float = 0.9
    min_letters: int = 10
    identify: Callable[[str], Identified] = identify

    def route(self, text: str) -> tuple[LanguageFound, Route | None]:
        """The comment's language, how it was routed, and its route (None: unsupported)."""
        found = self.identify(text)
        other_script = found.letters > 0 and found.latin_share < LATIN_SCRIPT_SHARE
        sure = found.confidence >= self.min_confidence and found.letters >= self.min_letters
        if not (sure or other_script):
            return LanguageFound(found.code, found.confidence, "uncertain"), self.default
        route = self.routes.get(found.code)
        if route is None:
            return (
                LanguageFound(found.code, found.confidence, "unsupported", self.unsupported),
                None,
            )
        return LanguageFound(found.code, found.confidence, "served"), route

    def languages(self) -> list[str]:
        """The languages a model is configured for (loaded or not)."""
        return sorted(self.routes)

    def served(self) -> dict[str, LoadedModel]:
        """Each language whose model is loaded, and that model."""
        return {
            code: route.model
            for code, route in sorted(self.routes.items())
            if route.model.scorer is not None
        }

    def models(self) -> list[LoadedModel]:
        """Every distinct model, the default first."""
        found: dict[int, LoadedModel] = {id(self.default.model): self.default.model}
        for route in self.routes.values():
            found.setdefault(id(route.model), route.model)
        return list(found.values())

    def model_for(self, language: str) -> LoadedModel:
        """The model that scores texts in `language` ("" or unknown: the default)."""
        route = self.routes.get(language)
        return route.model if route is not None else self.default.model


def unscreened(router: LanguageRouter) -> LanguageRouter:
    """`router` with its default model's own scores, without a screening model in front
    (decision 0029): for callers that apply their own thresholds, such as analyze's."""
    model = router.default.model
    plain = getattr(model.scorer, "unscreened", model.scorer)
    if plain is None or plain is model.scorer:
        return router
    replacement = LoadedModel(plain, plain.description, model.error)

    def swap(route: Route) -> Route:
        return Route(replacement, route.thresholds) if route.model is model else route

    return dataclasses.replace(
        router,
        default=swap(router.default),
        routes={code: swap(route) for code, route in router.routes.items()},
    )


def fixed_router(
    scorer: Scorer | None,
    thresholds: Mapping[str, tuple[float, float]],
    error: str | None = None,
    languages: Sequence[str] = ("en",),
) -> LanguageRouter:
    """A router with one model for `languages` (tests, tools)."""
    model = LoadedModel(scorer, scorer.description if scorer else "no model", error)
    route = Route(model, dict(thresholds))
    return LanguageRouter(route, dict.fromkeys(languages, route))


def load_router(
    settings: ModelSettings,
    default: Scorer | None = None,
    default_error: str | None = None,
    load_default: bool = True,
) -> LanguageRouter:
    """Load every configured model once and route each language to its own.

    `default` is the default model if the caller loaded it already; else it is loaded here
    (unless `load_default` is false: then it is missing with `default_error`). A model that
    fails to load is kept as missing, with why: its languages' comments are held with
    `model_unavailable`, as the default model's are.
    """
    if default is None and default_error is None and load_default:
        try:
            default = load_scorer(settings)
        except ModelUnavailableError as failure:
            default_error = str(failure)
    default_model = LoadedModel(
        default, default.description if default else _describe_default(settings), default_error
    )
    loaded: dict[tuple[object, ...], LoadedModel] = {_default_key(settings): default_model}
    routes: dict[str, Route] = {}
    for code in settings.default_languages:
        routes[code] = Route(default_model, _bands(settings, code))
    for code, entry in sorted(settings.languages.items()):
        key = _key(entry) if entry.own_model else _default_key(settings)
        model = loaded.get(key)
        if model is None:
            model = _load(settings, code, entry)
            loaded[key] = model
        routes[code] = Route(model, _bands(settings, code))
    return LanguageRouter(
        default=Route(default_model, _bands(settings, "")),
        routes=routes,
        unsupported="publish" if settings.unsupported_language == "publish" else "hold",
        min_confidence=settings.language_min_confidence,
        min_letters=settings.language_min_letters,
    )


def _load(settings: ModelSettings, code: str, entry: LanguageModel) -> LoadedModel:
    description = _describe(entry)
    try:
        scorer = load_language_model(settings, entry)
    except ModelUnavailableError as failure:
        error = f"model.languages.{code} ({description}): {failure}"
        log.error("no model for %s: %s", code, error)
        return LoadedModel(None, description, error)
    log.info("model for %s loaded: %s", code, scorer.description)
    return LoadedModel(scorer, scorer.description)


def _bands(settings: ModelSettings, code: str) -> dict[str, tuple[float, float]]:
    return {
        label: (band.hold, band.reject)
        for label, band in settings.language_thresholds(code).items()
    }


def _key(entry: LanguageModel) -> tuple[object, ...]:
    """What makes two entries the same model: loaded once, shared."""
    return (
        entry.name,
        entry.checkpoint,
        entry.config_dir,
        entry.adapter,
        tuple(sorted((key, repr(value)) for key, value in entry.options.items())),
    )


def _default_key(settings: ModelSettings) -> tuple[object, ...]:
    if settings.checkpoint:
        return ("", settings.checkpoint, settings.config_dir, "", ())
    return (settings.name, "", "", "", ())


def _describe(entry: LanguageModel) -> str:
    if entry.adapter:
        return f"adapter {entry.adapter}"
    if entry.checkpoint:
        return f"checkpoint {entry.checkpoint}"
    return f"detoxify '{entry.name}'"


def _describe_default(settings: ModelSettings) -> str:
    return (
        f"checkpoint {settings.checkpoint}"
        if settings.checkpoint
        else f"detoxify '{settings.name}'"
    )
