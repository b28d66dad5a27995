"""What a site (or an article) may override of the service's settings, checked like the settings.

A site's overrides are stored as given and merged over the service's settings when a comment is
scored (scoring/service.py) or a report weighed (review/reports.py); an article's rule overrides
go over its site's. Each value is checked for its setting's type and bounds here, so a bad one is
refused with a 400 that names it, never found later by a worker.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from typing import Any

from moderation.config import RulesSettings, check_rule_ranges
from moderation.errors import InvalidRequestError
from moderation.pipeline.rules.base import ARTICLE_SETTINGS

# The review settings a site may set for itself (review/reports.py reads them).
SITE_REVIEW_SETTINGS = frozenset({"report_threshold", "hide_threshold"})
SECTIONS = ("thresholds", "rules", "review", "premoderate", "spot_check")
WORD_LISTS = ("banned", "suspect")
ANONYMOUS = ("allow", "premoderate", "off")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")


def _fail(field: str) -> typing.Callable[[str, str], typing.NoReturn]:
    def fail(path: str, message: str) -> typing.NoReturn:
        raise InvalidRequestError(message, field=f"{field}.{path.removeprefix('rules.')}")

    return fail


def check_rule_overrides(
    overrides: Mapping[str, Any], defaults: RulesSettings, field: str = "rules"
) -> None:
    """Only [rules] settings a site or article may override, each of its type and bounds."""
    for name, value in overrides.items():
        if name not in ARTICLE_SETTINGS:
            allowed = ", ".join(sorted(ARTICLE_SETTINGS))
            raise InvalidRequestError(
                f"{name} is not a setting a site or article can override (one of: {allowed})",
                field=f"{field}.{name}",
            )
        default = getattr(defaults, name)
        expected = float if isinstance(default, float) else type(default)
        ok = isinstance(value, expected) and not (isinstance(value, bool) and expected is not bool)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if isinstance(default, list):
            ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        if not ok:
            raise InvalidRequestError(
                f"must be {type(default).__name__} like the service's setting",
                field=f"{field}.{name}",
            )
    check_rule_ranges(dataclasses.replace(defaults, **dict(overrides)), _fail(field))


def check_site_settings(
    overrides: Mapping[str, Any],
    rules: RulesSettings,
    labels: typing.Iterable[str],
    review: Mapping[str, float],
) -> None:
    """A site's `settings`: thresholds per label, rule overrides, review thresholds,
    `premoderate` (every comment of the site waits for a person) and `spot_check`."""
    if not isinstance(overrides.get("premoderate", False), bool):
        raise InvalidRequestError("must be true or false", field="settings.premoderate")
    for section in overrides:
        if section not in SECTIONS:
            raise InvalidRequestError(
                f"{section} is not a section a site can override (one of: {', '.join(SECTIONS)})",
                field=f"settings.{section}",
            )
    _check_thresholds(_section(overrides, "thresholds"), set(labels))
    check_rule_overrides(_section(overrides, "rules"), rules, field="settings.rules")
    _check_review(_section(overrides, "review"), review)
    _check_spot_check(_section(overrides, "spot_check"))


def _check_spot_check(section: Mapping[str, Any]) -> None:
    """`{"share": 0.05}`: the share of published comments sampled for a spot check."""
    for name, value in section.items():
        if name != "share":
            raise InvalidRequestError(
                f"{name} is not a spot-check setting (one of: share)",
                field=f"settings.spot_check.{name}",
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise InvalidRequestError(
                "must be a number between 0 and 1", field="settings.spot_check.share"
            )


def _section(overrides: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    if name == "premoderate":
        return {}
    section = overrides.get(name, {})
    if not isinstance(section, Mapping):
        raise InvalidRequestError("must be an object", field=f"settings.{name}")
    return section


def _check_thresholds(thresholds: Mapping[str, Any], known: set[str]) -> None:
    for label, band in thresholds.items():
        where = f"settings.thresholds.{label}"
        if label not in known:
            raise InvalidRequestError(
                f"{label} is not a model label (one of: {', '.join(sorted(known))})", field=where
            )
        if not isinstance(band, Mapping) or not band or set(band) - {"hold", "reject"}:
            raise InvalidRequestError('must be {"hold": number, "reject": number}', field=where)
        for name, value in band.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidRequestError("must be a number", field=f"{where}.{name}")
            if not 0.0 <= value <= 1.0:
                raise InvalidRequestError("must be between 0 and 1", field=f"{where}.{name}")


def _check_review(overrides: Mapping[str, Any], review: Mapping[str, float]) -> None:
    merged = dict(review)
    for name, value in overrides.items():
        if name not in SITE_REVIEW_SETTINGS:
            raise InvalidRequestError(
                f"{name} is not a review setting a site can override "
                f"(one of: {', '.join(sorted(SITE_REVIEW_SETTINGS))})",
                field=f"settings.review.{name}",
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise InvalidRequestError("must be a number above 0", field=f"settings.review.{name}")
        merged[name] = float(value)
    if merged["report_threshold"] > merged["hide_threshold"]:
        raise InvalidRequestError(
            "report_threshold must not be above hide_threshold", field="settings.review"
        )


def check_words(words: Mapping[str, Any]) -> None:
    """A site's word-list additions: {"banned": [...], "suspect": [...]}, terms of 1-100 chars."""
    for name, terms in words.items():
        if name not in WORD_LISTS:
            raise InvalidRequestError(
                f"{name} is not a word list (one of: {', '.join(WORD_LISTS)})",
                field=f"words.{name}",
            )
        if not isinstance(terms, list) or len(terms) > 5000:
            raise InvalidRequestError(
                "must be a list of at most 5,000 terms", field=f"words.{name}"
            )
        for term in terms:
            if not isinstance(term, str) or not 1 <= len(term.strip()) <= 100:
                raise InvalidRequestError(
                    "each term must be text of 1-100 characters", field=f"words.{name}"
                )


def check_origins(origins: typing.Sequence[str]) -> None:
    """Origins as browsers send them: scheme://host[:port], no path."""
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise InvalidRequestError(
                f"{origin!r} is not an origin: give scheme://host[:port] with no path",
                field="origins",
            )
