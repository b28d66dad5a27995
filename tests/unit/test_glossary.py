"""Every id a moderator can meet on the review page has a plain name and an explanation."""

from __future__ import annotations

from moderation.config import load_settings
from moderation.pipeline.rules import PUBLIC_CODES, build_rules
from moderation.review import glossary
from moderation.review.queues import QUEUES
from moderation.review.reports import REPORT_REASONS
from moderation.review.service import REASON_CODES

# Ids the verdict or a rule writes besides the rules' own ids (pipeline/verdict.py, patterns.py).
EXTRA_REASON_IDS = {
    "model_unavailable",
    "trusted_author",
    "pattern_timeout",
    "language_unsupported",
}


def test_every_built_in_rule_and_reason_id_is_named() -> None:
    rules = build_rules(load_settings(environ={}).rules)
    assert {rule.id for rule in rules} | EXTRA_REASON_IDS <= set(glossary.RULES)


def test_every_configured_model_label_is_named() -> None:
    labels = set(load_settings(environ={}).model.thresholds)
    assert labels and labels <= set(glossary.LABELS)


def test_every_author_facing_code_is_named() -> None:
    # toxic_language comes from the model's bands (pipeline/verdict.py), not from a rule.
    assert {*PUBLIC_CODES, "toxic_language", *REASON_CODES} <= set(glossary.PUBLIC_CODES)


def test_reason_codes_report_reasons_and_queues_keep_the_api_order() -> None:
    served = {name: [e["id"] for e in table] for name, table in glossary.glossary().items()}
    assert served["reason_codes"] == list(REASON_CODES)
    assert served["report_reasons"] == list(REPORT_REASONS)
    assert served["queues"] == list(QUEUES)


def test_entries_are_short_sentences_not_ids() -> None:
    for table in glossary.glossary().values():
        for entry in table:
            assert entry["name"] != entry["id"] and "_" not in entry["name"], entry
            assert entry["explanation"].endswith(".") and len(entry["explanation"]) <= 120, entry
