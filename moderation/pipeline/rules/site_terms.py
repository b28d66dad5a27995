"""A site's own additions to the word lists (sites' `words`), matched like the lists' terms.

Each site's terms come with the comment (RuleContext.site_words), so a change made by an admin
is in force within the sites cache's seconds, without touching the list files. A matcher is
built once per distinct set of terms and kept (a few per worker: one per site that adds words).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from moderation.pipeline.rules.base import RuleContext
from moderation.pipeline.rules.terms import TermMatch, TermMatcher
from moderation.pipeline.rules.wordlists import Term
from moderation.pipeline.verdict import Action, RuleHit

_KINDS: tuple[tuple[str, Action, str], ...] = (
    ("banned", "reject", "offensive_language"),
    ("suspect", "hold", "awaiting_review"),
)
MATCHERS_KEPT = 64


class SiteTermsRule:
    """Hits for the site's banned (reject) and suspect (hold) terms."""

    id = "site_terms"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._matchers: OrderedDict[tuple[tuple[str, ...], ...], TermMatcher] = OrderedDict()

    def _matcher(self, words: tuple[tuple[str, ...], ...]) -> TermMatcher:
        with self._lock:
            found = self._matchers.get(words)
            if found is not None:
                self._matchers.move_to_end(words)
                return found
        terms = [
            (kind, Term(text))
            for (kind, _, _), listed in zip(_KINDS, words, strict=True)
            for text in listed
        ]
        matcher = TermMatcher(terms)
        with self._lock:
            self._matchers[words] = matcher
            while len(self._matchers) > MATCHERS_KEPT:
                self._matchers.popitem(last=False)
        return matcher

    def check(self, context: RuleContext) -> list[RuleHit]:
        if not context.site_words:
            return []
        words = tuple(tuple(context.site_words.get(kind, ())) for kind, _, _ in _KINDS)
        normalised = context.normalised
        found: dict[tuple[str, str], list[TermMatch]] = {}
        for match in self._matcher(words).find(normalised):
            found.setdefault((match.kind, match.term.text), []).append(match)
        hits = []
        for (kind, text), matches in found.items():
            action, code = next((a, c) for k, a, c in _KINDS if k == kind)
            spans = tuple(sorted({normalised.original_span(m.start, m.end) for m in matches}))
            hits.append(
                RuleHit(
                    self.id, action, f"{kind} term of site {context.site_id} '{text}'", code, spans
                )
            )
        return hits
