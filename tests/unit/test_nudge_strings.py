"""The nudge's words: every reason the pre-check can tell has a plain-words string in every
language of the widget, and every one is a public code the glossary explains to moderators."""

from __future__ import annotations

from moderation.decisions.nudge import REPHRASABLE
from moderation.review.glossary import PUBLIC_CODES
from tests.unit.test_widget_strings import strings


def test_every_rephrasable_reason_is_worded_in_every_language() -> None:
    for language, words in strings().items():
        assert set(words["nudge"]) == {*REPHRASABLE, "*"}, language
        assert all(text.strip() for text in words["nudge"].values()), language


def test_every_rephrasable_reason_is_a_public_code_in_the_glossary() -> None:
    assert set(REPHRASABLE) <= set(PUBLIC_CODES)
