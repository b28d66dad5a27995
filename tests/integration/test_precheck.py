"""The widget's pre-check of a draft (the nudge) through the Flask app, real PostgreSQL and Redis,
and the real drain job scoring the model's part with the tiny model."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import func, select

from moderation.comments.models import Comment
from moderation.config import Settings
from moderation.db.session import make_engine
from moderation.decisions.remote import remote_router
from moderation.decisions.service import DecisionService
from moderation.perspective.analysis import AnalysisQueue
from moderation.pipeline.model import load_scorer
from moderation.pipeline.rules import build_rules
from moderation.pipeline.scoring import ScoringPipeline
from moderation.web.context import service
from tests.support.analysis import draining_analysis
from tests.support.identity_line import corrected_onto_a_line
from tests.support.settings import ADMIN_TOKEN, bearer, make_settings
from tests.support.shared import SHARED_MODEL, shared_file
from tests.support.workers import wait_until

PRECHECK = "/v1/sites/daily/articles/budget-2027/comments:precheck"
AUTHOR = {"id": "reader-7", "name": "Noor"}


@pytest.fixture
def settings(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        nudge={"deadline_ms": 5000},
        limits={"enabled": True, "precheck_per_author": "3/hour"},
    )


def make_site(client: Any, settings: dict[str, Any], **extra: Any) -> None:
    body = {"id": "daily", "settings": settings, "words": {"banned": ["gnasherbeast"]}, **extra}
    answer = client.post("/v1/sites", json=body, headers=bearer(ADMIN_TOKEN))
    assert answer.status_code == 201, answer.get_json()


def precheck(client: Any, text: str, author: dict[str, str] | None = AUTHOR) -> Any:
    return client.post(PRECHECK, json={"text": text, "author": author})


def stored_comments(database_url: str) -> int:
    with make_engine(database_url).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Comment)).scalar_one())


@pytest.fixture
def worker(settings: Settings, app: Any) -> Iterator[None]:
    with draining_analysis(settings):
        yield


def test_a_site_without_nudge_answers_disabled_at_once(client: Any) -> None:
    make_site(client, {})
    answer = precheck(client, "you gnasherbeast")
    assert answer.status_code == 200
    assert answer.get_json() == {"enabled": False, "outcome": None, "nudge": False, "reasons": []}


def test_draft_is_decided_and_nothing_is_stored(
    client: Any, worker: None, database_url: str
) -> None:
    make_site(client, {"nudge": True, "rules": {"links": "all", "link_hold_until_approved": 0}})
    rude = precheck(client, "Only a gnasherbeast would write this").get_json()
    assert rude == {
        "enabled": True,
        "outcome": "reject",
        "nudge": True,
        "reasons": ["offensive_language"],
    }
    linked = precheck(client, "See https://example.com/figures for the numbers").get_json()
    assert (linked["outcome"], linked["reasons"]) == ("hold", ["links"])
    clean = precheck(client, "Thanks for the clear explanation of the budget.").get_json()
    assert clean == {"enabled": True, "outcome": "approve", "nudge": False, "reasons": []}
    assert stored_comments(database_url) == 0


def test_premoderation_holds_but_is_not_nudged(client: Any, worker: None) -> None:
    make_site(client, {"nudge": True, "premoderate": True})
    found = precheck(client, "Thanks for the clear explanation of the budget.").get_json()
    assert (found["outcome"], found["nudge"], found["reasons"]) == ("hold", False, [])


def test_no_worker_in_time_is_unknown(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], clean_state: None
) -> None:
    from moderation.app import create_app

    quick = make_settings(database_url, redis_url, tiny_model, nudge={"deadline_ms": 200})
    app = create_app(quick)
    client = app.test_client()
    with app.app_context():
        # Warmed up, as gunicorn's processes are: the deadline is the model's alone here.
        service(DecisionService).warm()
    make_site(client, {"nudge": True})
    found = precheck(client, "Thanks for the clear explanation of the budget.").get_json()
    assert (found["outcome"], found["nudge"]) == ("unknown", False)
    # A rule's reject needs no model.
    assert precheck(client, "you gnasherbeast").get_json()["outcome"] == "reject"


def test_bad_drafts_get_422_naming_the_field(client: Any) -> None:
    make_site(client, {"nudge": True})
    empty = precheck(client, "   ")
    assert empty.status_code == 422
    assert "text" in str(empty.get_json())
    nameless = client.post(PRECHECK, json={"text": "Hi", "author": {"id": "x"}})
    assert nameless.status_code == 422
    assert "name" in str(nameless.get_json())
    unknown_field = client.post(PRECHECK, json={"text": "Hi", "author": AUTHOR, "score": 1})
    assert unknown_field.status_code == 422


def test_the_widget_may_precheck_from_the_sites_pages(client: Any) -> None:
    make_site(client, {"nudge": True}, origins=["https://daily.example"])
    preflight = client.options(
        PRECHECK,
        headers={
            "Origin": "https://daily.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://daily.example"
    stranger = client.options(
        PRECHECK,
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_web_processes_warm_decisions_once_a_site_uses_them(app: Any, client: Any) -> None:
    from moderation.web.context import WARMUPS

    with app.app_context():
        decisions = service(DecisionService)
    assert not decisions.in_use()
    make_site(client, {"nudge": True})
    assert decisions.in_use()
    assert not decisions.warmed
    for warm in app.extensions[WARMUPS]:  # what gunicorn's post_worker_init runs
        warm()
    wait_until(lambda: decisions.warmed, "the rules to be built", timeout=60)


def test_anonymous_off_needs_a_session_like_posting(client: Any) -> None:
    make_site(client, {"nudge": True}, anonymous="off")
    answer = precheck(client, "Hello there")
    assert answer.status_code == 401


def test_prechecks_are_rate_limited_per_author(client: Any) -> None:
    make_site(client, {"nudge": True})
    answers = [precheck(client, "you gnasherbeast").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = precheck(client, "you gnasherbeast")
    assert refused.headers.get("Retry-After")
    assert "precheck_per_author" in refused.get_json()["message"]


def test_a_synchronous_decision_confirms_the_corrected_score_in_float(
    database_url: str, redis_url: str, clean_state: None
) -> None:
    # A synchronous decision (the nudge, Coral's phase) scores on a worker through the analysis
    # queue. The identity correction's planned shifts travel with the texts, so the worker's
    # int8 confirmation covers the corrected score near a level, as for the comments it
    # decides itself: the decision is float's.
    shared_file(SHARED_MODEL / "model.ckpt", "the tiny test model scores everything alike")
    base = make_settings(
        database_url, redis_url, (SHARED_MODEL / "model.ckpt", SHARED_MODEL / "config")
    )
    rules = build_rules(base.rules)
    # A hold level exactly where the corrected int8 score lands: only the shift puts the
    # window near a line.
    line = corrected_onto_a_line(base.model, rules)
    settings = dataclasses.replace(base, model=line.model)
    analysis = AnalysisQueue(Redis.from_url(redis_url), settings.perspective.queue, 10.0, 8)
    with draining_analysis(settings) as worker:
        scorer = worker.pipeline.router.default.model.scorer
        router = remote_router(settings.model, analysis, time.monotonic() + 10.0)
        verdict = ScoringPipeline.routed(rules, router).score_batch([line.comment])[0]
    assert scorer.windows_confirmed == 1
    exact = load_scorer(dataclasses.replace(base.model, runtime="torch", quantize="none"))
    [scores] = exact.score([line.comment.text])
    assert verdict.adjustments[0].before["toxicity"] == pytest.approx(scores["toxicity"], abs=1e-6)
