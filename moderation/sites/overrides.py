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

from moderation.config import (
    MAX_EDIT_WINDOW_SECONDS,
    MAX_RETENTION_DAYS,
    SURGE_SETTINGS,
    RulesSettings,
    SurgeSettings,
    check_rule_ranges,
    check_surge_ranges,
)
from moderation.errors import InvalidRequestError
from moderation.pipeline.rules.base import ARTICLE_SETTINGS

# The review settings a site may set for itself (review/reports.py reads them).
SITE_REVIEW_SETTINGS = frozenset({"report_threshold", "hide_threshold"})
# The retention periods a site may set for itself (privacy/retention.py reads them).
SITE_RETENTION_SETTINGS = ("comment_text_days", "audit_detail_days", "feedback_days")
# The comment settings a site may set for itself (comments/edits.py reads them).
SITE_COMMENT_SETTINGS = frozenset({"edit_window_seconds"})
SECTIONS = (
    "thresholds",
    "rules",
    "review",
    "premoderate",
    "surge",
    "retention",
    "comments",
    "nudge",
    "spot_check",
)
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
    surge: SurgeSettings | None = None,
) -> None:
    """A site's `settings`: thresholds per label, rule overrides, review thresholds,
    `premoderate` (every comment of the site waits for a person), `nudge` (the widget
    pre-checks a draft and tells its author what would hold it: decisions/), surge protection,
    retention periods, the edit window and `spot_check`."""
    for flag in ("premoderate", "nudge"):
        if not isinstance(overrides.get(flag, False), bool):
            raise InvalidRequestError("must be true or false", field=f"settings.{flag}")
    for section in overrides:
        if section not in SECTIONS:
            raise InvalidRequestError(
                f"{section} is not a section a site can override (one of: {', '.join(SECTIONS)})",
                field=f"settings.{section}",
            )
    _check_thresholds(_section(overrides, "thresholds"), set(labels))
    check_rule_overrides(_section(overrides, "rules"), rules, field="settings.rules")
    _check_review(_section(overrides, "review"), review)
    if surge is not None:
        check_surge_overrides(_section(overrides, "surge"), surge)
    _check_retention(_section(overrides, "retention"))
    _check_comments(_section(overrides, "comments"))


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
    if name in ("premoderate", "nudge"):
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


def check_surge_overrides(overrides: Mapping[str, Any], defaults: SurgeSettings) -> None:
    """A site's [surge] values: only those a site may set, each of its type and bounds."""
    for name, value in overrides.items():
        where = f"settings.surge.{name}"
        if name not in SURGE_SETTINGS:
            raise InvalidRequestError(
                f"{name} is not a surge setting a site can override "
                f"(one of: {', '.join(SURGE_SETTINGS)})",
                field=where,
            )
        default = getattr(defaults, name)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok:
            kind = "true or false" if isinstance(default, bool) else type(default).__name__
            raise InvalidRequestError(f"must be {kind} like the service's setting", field=where)

    def fail(path: str, message: str) -> typing.NoReturn:
        raise InvalidRequestError(message, field=f"settings.{path}")

    check_surge_ranges(dataclasses.replace(defaults, **dict(overrides)), fail)


def surge_settings(defaults: SurgeSettings, overrides: Mapping[str, Any]) -> SurgeSettings:
    """The service's [surge] settings with a site's own values over them (checked when stored)."""
    section = overrides.get("surge")
    if not isinstance(section, Mapping) or not section:
        return defaults
    known = {name: value for name, value in section.items() if name in SURGE_SETTINGS}
    return dataclasses.replace(defaults, **known)


def _check_retention(periods: Mapping[str, Any]) -> None:
    for name, days in periods.items():
        where = f"settings.retention.{name}"
        if name not in SITE_RETENTION_SETTINGS:
            raise InvalidRequestError(
                f"{name} is not a retention period a site can set "
                f"(one of: {', '.join(SITE_RETENTION_SETTINGS)})",
                field=where,
            )
        if isinstance(days, bool) or not isinstance(days, int):
            raise InvalidRequestError("must be a whole number of days", field=where)
        if not 0 <= days <= MAX_RETENTION_DAYS:
            raise InvalidRequestError(
                f"must be 0 (keep for ever) to {MAX_RETENTION_DAYS} days", field=where
            )


def _check_comments(overrides: Mapping[str, Any]) -> None:
    for name, value in overrides.items():
        where = f"settings.comments.{name}"
        if name not in SITE_COMMENT_SETTINGS:
            allowed = ", ".join(sorted(SITE_COMMENT_SETTINGS))
            raise InvalidRequestError(
                f"{name} is not a comment setting a site can override (one of: {allowed})",
                field=where,
            )
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidRequestError("must be a whole number of seconds", field=where)
        if not 0 <= value <= MAX_EDIT_WINDOW_SECONDS:
            raise InvalidRequestError(
                f"must be 0 (no edits) to {MAX_EDIT_WINDOW_SECONDS} (7 days)", field=where
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
