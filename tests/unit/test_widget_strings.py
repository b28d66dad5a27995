"""The widget's words: every language has every string, the report reasons are the API's, and
every explanation names a status and a reason code the service can give."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from moderation.comments.transitions import STATUSES
from moderation.pipeline.rules import PUBLIC_CODES
from moderation.review.reports import REPORT_REASONS
from moderation.review.service import REASON_CODES

WIDGET = Path(__file__).parents[2] / "moderation" / "pages" / "static" / "widget.js"


@cache
def source() -> str:
    return WIDGET.read_text(encoding="utf-8")


def strings() -> dict[str, Any]:
    block = re.search(r"var STRINGS = (\{.*?\});\n\s*// STRINGS end", source(), re.DOTALL)
    assert block, "widget.js lost its STRINGS block"
    found: dict[str, Any] = json.loads(block.group(1))
    return found


def keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    found = set()
    for key, value in table.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{key}.")
    return found


def test_the_widget_speaks_english_french_german_and_spanish() -> None:
    assert list(strings()) == ["en", "fr", "de", "es"]


def test_every_language_has_every_string_and_no_other() -> None:
    table = strings()
    english = keys(table["en"])
    for language, words in table.items():
        assert keys(words) == english, language


def test_every_string_is_filled_with_the_same_fields_in_every_language() -> None:
    table = strings()

    def fields(words: dict[str, Any], prefix: str = "") -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for key, value in words.items():
            if isinstance(value, dict):
                found.update(fields(value, f"{prefix}{key}."))
            else:
                found[prefix + key] = set(re.findall(r"\{(\w+)\}", value))
        return found

    english = fields(table["en"])
    for language, words in table.items():
        assert fields(words) == english, language


def test_the_report_reasons_are_the_ones_the_api_accepts() -> None:
    listed = re.search(r"var REPORT_REASONS = (\[.*?\]);", source())
    assert listed
    assert json.loads(listed.group(1)) == list(REPORT_REASONS)
    assert set(strings()["en"]["reasons"]) == set(REPORT_REASONS)


def test_explanations_name_a_status_and_a_code_the_service_gives() -> None:
    codes = {*PUBLIC_CODES, "toxic_language", *REASON_CODES, "*"}
    for key in strings()["en"]["explain"]:
        status, _, code = key.partition(":")
        assert status in STATUSES and code in codes, key
    assert {"pending:*", "held:*", "rejected:*"} <= set(strings()["en"]["explain"])
