"""Queue severity and order: pure functions of a verdict, report weight and age."""

from __future__ import annotations

import datetime as dt

import pytest

from moderation.comments.models import priority_key
from moderation.comments.priority import queue_columns, rule_ids, severity
from tests.support.workbench import verdict

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("found", "reports", "expected"),
    [
        (None, 0.0, 0.0),
        (verdict(scores={"toxicity": 0.7, "insult": 0.2}), 0.0, 0.7),
        (verdict(rules=[("banned_terms", "reject")], scores={"toxicity": 0.1}), 0.0, 1.1),
        (verdict(rules=[("links", "hold"), ("caps", "hold")]), 0.0, 1.0),
        (verdict(scores={"toxicity": 0.2}), 4.0, 1.2),
        ({"reasons": [{"kind": "model", "id": "model_unavailable", "action": "hold"}]}, 0, 0.5),
    ],
)
def test_severity_adds_top_score_rule_actions_and_reports(
    found: dict | None, reports: float, expected: float
) -> None:
    assert severity(found, reports) == pytest.approx(expected)


def test_a_day_of_waiting_is_worth_one_point() -> None:
    yesterday = NOW - dt.timedelta(days=1)
    assert priority_key(1.0, yesterday) == pytest.approx(priority_key(2.0, NOW))
    assert priority_key(0.5, yesterday) > priority_key(1.4, NOW)
    assert priority_key(0.0, NOW.replace(tzinfo=None)) == priority_key(0.0, NOW)


def test_rule_ids_are_fenced_for_a_like_filter() -> None:
    found = verdict(rules=[("links", "hold"), ("banned_terms", "reject")], scores={"x": 0.1})
    assert rule_ids(found) == ",banned_terms,links,"
    assert rule_ids(verdict(scores={"x": 0.9})) == ""
    assert queue_columns(found, NOW)["rule_ids"] == ",banned_terms,links,"
