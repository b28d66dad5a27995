"""Decide one text now: the site's rules and words, the author's standing when known, the model
on the scoring workers within a deadline; return the verdict and keep nothing of the text.

The rules run here, in the web process (the pipeline is pure); the model's scores come from a
scoring worker through the analyze path (`remote.py`). When the model cannot answer by the
deadline (no worker, over capacity, too slow), the verdict holds with `model_unavailable` and
the answer is "could not decide" (`Decided.decided` false), never "publish". A rule's reject
stands without the model: the strictest outcome wins anyway.

The rules about the author's recent comments (duplicate, too_fast) are left out: the text is
not a stored comment, and callers have their own (Coral its repeat-post and rate phases).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any, Literal

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from moderation.articles.service import article_states
from moderation.comments.authors import author_state
from moderation.config import Settings
from moderation.decisions.remote import remote_router
from moderation.errors import ServiceError
from moderation.observability.metrics import SYNC_DECISION_LATENCY, SYNC_DECISIONS
from moderation.perspective.analysis import AnalysisQueue
from moderation.pipeline.language import identify
from moderation.pipeline.rules import Rule, RuleContext, build_rules
from moderation.pipeline.scoring import ScoringPipeline
from moderation.pipeline.verdict import Verdict
from moderation.pipeline.verdict import decide as decide_verdict
from moderation.sites.service import SiteService, SiteView
from moderation.web.context import service

log = logging.getLogger(__name__)

Outcome = Literal["approve", "hold", "reject", "unknown"]


class DecisionUnavailableError(ServiceError):
    """What the rules need could not be read (the database away): nothing was decided."""

    code = "unavailable"


@dataclasses.dataclass(frozen=True)
class Draft:
    """A text to decide, and what is known about where it goes and who wrote it."""

    text: str
    site_id: str
    article_id: str = ""
    author_id: str = ""
    author_verified: bool = False
    # The caller's own word that the author is staff (Coral's roles): skips holds, never rejects.
    author_trusted: bool = False
    # Whether this service's comments are the author's record (the widget's authors): else the
    # author's approved count is unknown, and the new-author rule stays silent (Coral's authors,
    # whose record Coral keeps and judges in its own phases).
    record_here: bool = True


@dataclasses.dataclass(frozen=True)
class Decided:
    """The verdict, whether it is a decision, and how long it took."""

    verdict: Verdict
    decided: bool
    seconds: float

    @property
    def outcome(self) -> Outcome:
        """approve, hold, reject; or unknown: the model did not answer in time."""
        return self.verdict.decision if self.decided else "unknown"


class DecisionService:
    """Decides texts at once with the service's rules and the scoring workers' models."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        sites: SiteService,
        settings: Settings,
        analysis: AnalysisQueue,
        rules: Sequence[Rule] | None = None,
    ) -> None:
        self.sessions = sessions
        self.sites = sites
        self.settings = settings
        self.analysis = analysis
        self._rules = list(rules) if rules is not None else None
        self._lock = threading.Lock()
        self._warmed = threading.Event()
        self._warming = threading.Lock()
        self._warm_started = False

    def rules(self) -> list[Rule]:
        """The configured rules, built on first use (word lists are read then, not at start)."""
        with self._lock:
            if self._rules is None:
                self._rules = build_rules(self.settings.rules)
            return self._rules

    def in_use(self) -> bool:
        """Whether anything here asks for decisions: Coral secrets, or a site with `nudge`."""
        if self.settings.coral.secrets:
            return True
        return any(site.settings.get("nudge") for site in self.sites.all())

    @property
    def warmed(self) -> bool:
        """Whether the rules are built and the language identifier loaded."""
        return self._warmed.is_set()

    def warm(self) -> None:
        """Build the rules and load the language identifier now (about 2 s and 3 s of CPU on a
        busy machine, more than any deadline), so no call's deadline is spent on them."""
        self.rules()
        identify("Warming up the language identifier for the first decision.")
        self._warmed.set()

    def start_warming(self) -> None:
        """Warm in a daemon thread, once."""
        with self._warming:
            if self._warm_started:
                return
            self._warm_started = True

        def run() -> None:
            try:
                self.warm()
                log.info("synchronous decisions warmed up")
            except Exception as error:  # the next call tries again
                log.warning("could not warm up synchronous decisions: %s", error)
                with self._warming:
                    self._warm_started = False

        threading.Thread(target=run, name="warm-decisions", daemon=True).start()

    def decide(self, draft: Draft, deadline_seconds: float, caller: str) -> Decided:
        """The verdict on `draft` within `deadline_seconds`; DecisionUnavailableError when the
        author's standing or the article's settings cannot be read.

        A process that has not warmed up yet starts to, and waits for it only until the
        deadline: past it, the call is undecided (never longer than its deadline).
        """
        started = time.monotonic()
        if not self._warmed.is_set():
            self.start_warming()
            if not self._warmed.wait(deadline_seconds):
                return self._undecided(caller, started, "the rules are still being loaded")
        context = self._context(draft)
        router = remote_router(self.settings.model, self.analysis, started + deadline_seconds)
        verdict = ScoringPipeline.routed(self.rules(), router).score_batch([context])[0]
        decided = verdict.model_error is None or verdict.decision == "reject"
        if not decided:
            log.info("could not decide in time (%s): %s", caller, verdict.model_error)
        return self._found(Decided(verdict, decided, time.monotonic() - started), caller)

    def _undecided(self, caller: str, started: float, why: str) -> Decided:
        log.info("could not decide in time (%s): %s", caller, why)
        verdict = decide_verdict([], None, {}, model_error=why)
        return self._found(Decided(verdict, False, time.monotonic() - started), caller)

    @staticmethod
    def _found(found: Decided, caller: str) -> Decided:
        SYNC_DECISIONS.labels(caller, found.outcome).inc()
        SYNC_DECISION_LATENCY.labels(caller).observe(found.seconds)
        return found

    def _context(self, draft: Draft) -> RuleContext:
        site = self.sites.get(draft.site_id) or SiteView(id=draft.site_id, name=draft.site_id)
        try:
            with self.sessions() as session:
                author = author_state(session, site.id, draft.author_id) if draft.author_id else {}
                article: dict[str, Any] = (
                    article_states(session, [(site.id, draft.article_id)])[
                        (site.id, draft.article_id)
                    ]
                    if draft.article_id
                    else {"closed": False, "premoderate": False, "rules": {}}
                )
        except SQLAlchemyError as error:
            raise DecisionUnavailableError(
                f"the author's standing could not be read: {type(error).__name__}"
            ) from error
        return RuleContext(
            text=draft.text,
            article_id=draft.article_id,
            author_id=draft.author_id,
            author_banned=bool(author.get("banned")),
            author_trusted=draft.author_trusted or bool(author.get("trusted")),
            author_premoderated=bool(author.get("premoderated")),
            author_approved_count=author.get("approved_count") if draft.record_here else None,
            article_closed=bool(article["closed"]),
            article_premoderate=bool(article["premoderate"]),
            article_rules={**site.rule_overrides, **article["rules"]},
            site_id=site.id,
            site_premoderate=bool(site.settings.get("premoderate")),
            site_thresholds=dict(site.settings.get("thresholds", {})),
            site_words={kind: tuple(terms) for kind, terms in site.words.items() if terms},
            author_verified=draft.author_verified,
            site_anonymous=site.anonymous,
        )


def warm_in_background(app: Flask) -> None:
    """Warm `app`'s DecisionService in a daemon thread if anything asks for decisions (called
    by gunicorn's `post_worker_init`, so tests and tools that build apps pay nothing; a site
    that turns `nudge` on later warms each process on its first pre-check)."""

    def run() -> None:
        try:
            with app.app_context():
                decisions = service(DecisionService)
            if decisions.in_use():
                decisions.start_warming()
        except Exception as error:  # a cold first call is answered "undecided", not lost
            log.warning("could not warm up synchronous decisions: %s", error)

    threading.Thread(target=run, name="warm-decisions-check", daemon=True).start()
