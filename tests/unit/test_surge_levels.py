"""What counts towards a surge, and the level an article passes, on plain verdicts."""

from __future__ import annotations

import dataclasses

import pytest

from moderation.config import SettingsError, SurgeSettings, load_settings
from moderation.pipeline.verdict import LabelScore, RuleHit, Verdict
from moderation.surge.levels import WindowCounts, heated, passed

LEVELS = SurgeSettings(
    enabled=True,
    held_share=0.3,
    min_comments=20,
    reports=10.0,
    window_seconds=900,
    cool_down_seconds=1800,
)
CALM = LabelScore("toxicity", 0.1, 0.5, 0.9)
TOXIC = LabelScore("toxicity", 0.6, 0.5, 0.9)


def hit(rule_id: str, action: str = "hold") -> RuleHit:
    return RuleHit(rule_id, action, "message", "code")  # type: ignore[arg-type]


def test_held_or_rejected_for_the_text_counts() -> None:
    assert heated(Verdict("hold", (), (TOXIC,)))
    assert heated(Verdict("reject", (hit("banned_terms", "reject"),), ()))
    assert heated(Verdict("hold", (hit("suspect_terms"),), (CALM,)))


def test_holds_about_who_or_where_do_not_count() -> None:
    for rule in ("article_surge", "article_premoderated", "site_premoderated", "new_author"):
        assert not heated(Verdict("hold", (hit(rule),), (CALM,))), rule
    assert not heated(Verdict("reject", (hit("article_closed", "reject"),), ()))
    assert not heated(Verdict("hold", (), (), model_error="no model"))
    assert not heated(Verdict("approve", (), (CALM,)))


def test_a_surge_hold_over_a_toxic_comment_still_counts_the_toxicity() -> None:
    assert heated(Verdict("hold", (hit("article_surge"),), (TOXIC,)))


def test_the_held_share_needs_the_minimum_and_must_be_above_the_level() -> None:
    assert passed(WindowCounts(19, 19, 0), LEVELS) is None
    assert passed(WindowCounts(50, 15, 0), LEVELS) is None  # 30% is not above 30%
    reason = passed(WindowCounts(50, 21, 0), LEVELS)
    assert reason is not None and reason["cause"] == "held_share"
    assert reason["text"] == "held share 42% of 50 comments in 15 min > 30%"


def test_reports_pass_their_own_level_and_zero_turns_them_off() -> None:
    reason = passed(WindowCounts(3, 0, 12.5), LEVELS)
    assert reason is not None and reason["text"] == "reader reports weighing 12.5 in 15 min >= 10"
    assert passed(WindowCounts(3, 0, 99.0), dataclasses.replace(LEVELS, reports=0.0)) is None
    odd = passed(WindowCounts(0, 0, 10.0), dataclasses.replace(LEVELS, window_seconds=90))
    assert odd is not None and "in 90 s" in odd["text"]


def test_bad_surge_settings_stop_start_up_naming_the_setting() -> None:
    assert load_settings(environ={}).surge.enabled is False  # a newsroom opts in
    for variable, value, path in [
        ("MODERATION_SURGE_HELD_SHARE", "1.5", "surge.held_share"),
        ("MODERATION_SURGE_WINDOW_SECONDS", "10", "surge.window_seconds"),
        ("MODERATION_SURGE_MIN_COMMENTS", "0", "surge.min_comments"),
    ]:
        with pytest.raises(SettingsError, match=path):
            load_settings(environ={variable: value})
