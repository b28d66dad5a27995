"""What counts towards a surge and when an article passes a level: pure functions on plain values.

A comment counts as heated when the machine held or rejected it for what it says: a rule about
the text, or a model label in its hold or reject band. Holds about who or where (pre-moderation,
a surge's own hold, a new or banned author, a closed article) and holds for want of a model do
not count, so a surge's own holds never keep it going and the verdict of a comment held by the
surge still says whether the text itself was heated.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from moderation.config import SurgeSettings
from moderation.pipeline.verdict import Verdict

# Rule ids whose holds and rejections are about the author or the article, not the text.
NOT_ABOUT_THE_TEXT = frozenset(
    {
        "article_premoderated",
        "site_premoderated",
        "article_surge",
        "author_premoderated",
        "anonymous_premoderated",
        "new_author",
        "author_banned",
        "article_closed",
    }
)


def heated(verdict: Verdict) -> bool:
    """Whether the machine held or rejected this comment for what it says."""
    if verdict.decision == "approve":
        return False
    if any(
        hit.action in ("hold", "reject") and hit.rule_id not in NOT_ABOUT_THE_TEXT
        for hit in verdict.rule_hits
    ):
        return True
    return any(score.band != "publish" for score in verdict.label_scores)


@dataclasses.dataclass(frozen=True)
class WindowCounts:
    """An article's counts within the window: decisions, heated ones, summed report weight."""

    decided: int = 0
    heated: int = 0
    reports: float = 0.0


def _percent(share: float) -> str:
    """42%, 30.4%: a share as moderators read it, never rounded onto its level."""
    return f"{share * 100:.1f}".removesuffix(".0") + "%"


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def passed(counts: WindowCounts, settings: SurgeSettings) -> dict[str, Any] | None:
    """The level the article passed, as the measurement moderators are shown; None if none."""
    window = _minutes(settings.window_seconds)
    if counts.decided >= settings.min_comments and counts.decided:
        share = counts.heated / counts.decided
        if share > settings.held_share:
            return {
                "cause": "held_share",
                "share": round(share, 4),
                "comments": counts.decided,
                "heated": counts.heated,
                "level": settings.held_share,
                "window_seconds": settings.window_seconds,
                "text": f"held share {_percent(share)} of {counts.decided} comments in {window} "
                f"> {_percent(settings.held_share)}",
            }
    if settings.reports > 0 and counts.reports >= settings.reports:
        return {
            "cause": "reports",
            "report_weight": round(counts.reports, 3),
            "level": settings.reports,
            "window_seconds": settings.window_seconds,
            "text": f"reader reports weighing {counts.reports:g} in {window} "
            f">= {settings.reports:g}",
        }
    return None
