"""A small, real language model adapter, as a site would plug in its own classifier.

`KeywordScorer` implements the `Scorer` protocol (`moderation.pipeline.model`): `labels`,
`description` and `score(texts)`. It is loaded by path from settings
(`adapter = "tests.support.adapters:KeywordScorer"`) with the entry's `options` as keyword
arguments, exactly as docs/models.md tells a site to plug in a model for its language. It
scores a text as toxic when it holds one of its words, and keeps every batch it was given, so
tests can see that one batched call served every comment routed to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar


class KeywordScorer:
    """Toxicity and insult 0.99 for a text holding one of `words`, else 0.01."""

    labels = ("toxicity", "insult")
    # Every instance built in this process, newest last (the tests read the worker's).
    loaded: ClassVar[list[KeywordScorer]] = []

    def __init__(self, words: Sequence[str], name: str = "keywords") -> None:
        self.words = tuple(words)
        self.description = f"adapter {name} ({len(self.words)} words)"
        self.batches: list[list[str]] = []
        KeywordScorer.loaded.append(self)

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.batches.append(list(texts))
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> dict[str, float]:
        value = 0.99 if any(word in text for word in self.words) else 0.01
        return dict.fromkeys(self.labels, value)


class NotAScorer:
    """An adapter class that does not implement the protocol (no score method)."""

    labels = ("toxicity",)
    description = "not a scorer"
