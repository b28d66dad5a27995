"""The ground of a restriction (DSA art. 17): law only where a person found it illegal, the
site's terms for every other code, named in the glossary's words; what flagged a comment; the
transparency report's CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from moderation.dsa.grounds import LAW, TERMS, flagged_by, ground_for, ground_type
from moderation.dsa.transparency import as_csv, day_range
from moderation.pipeline.rules import PUBLIC_CODES as RULE_CODES
from moderation.review.glossary import PUBLIC_CODES
from moderation.review.service import REASON_CODES


def test_every_code_a_decision_can_record_has_a_named_ground() -> None:
    for code in {*RULE_CODES, *REASON_CODES, "toxic_language", "awaiting_review"}:
        ground = ground_for(code)
        assert ground.name == PUBLIC_CODES[code][0], code
        assert ground.explanation, code
        assert ground.type == (LAW if code == "illegal" else TERMS), code


def test_a_legal_ground_quotes_the_law_a_person_named() -> None:
    assert ground_for("illegal", "Criminal Code s. 130").explanation == "Criminal Code s. 130"
    assert ground_for("illegal").type == LAW == ground_type("illegal")
    assert ground_for(None).code == "awaiting_review" and ground_type(None) == TERMS
    assert ground_for("a_new_code").type == TERMS  # a code without a glossary entry still reads


def test_flagged_by_names_what_set_the_decision_never_scores_or_words() -> None:
    verdict = {
        "decision": "reject",
        "reasons": [
            {"kind": "rule", "id": "banned_terms", "action": "reject", "message": "matched: x"},
            {"kind": "rule", "id": "links", "action": "hold"},
            {"kind": "model", "id": "toxicity", "action": "reject", "score": 0.99},
            {"kind": "model", "id": "insult", "action": None, "score": 0.1},
        ],
    }
    names = flagged_by(verdict)
    assert names == ["Banned term", "Toxicity (the model's score reached the site's limit)"]
    assert "0.99" not in str(names) and "matched" not in str(names)
    assert flagged_by({"decision": "approve", "reasons": []}) == []
    assert flagged_by(None) == []


def test_the_report_csv_has_one_figure_a_row_and_no_formulas() -> None:
    start, end = day_range(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert (end - start) == dt.timedelta(days=31)
    report = {
        "site_id": "=cmd",
        "from": start.isoformat(),
        "to": end.isoformat(),
        "generated_at": "now",
        "restrictions": {
            "total": 3,
            "by_ground": [
                {
                    "type": "terms",
                    "code": "spam",
                    "name": "Spam",
                    "automated": 2,
                    "human": 1,
                    "count": 3,
                }
            ],
        },
        "notices": {"by_status": {"VOID": 1}, "median_hours_to_decide": None},
        "appeals": {},
    }
    rows = list(csv.reader(io.StringIO(as_csv(report))))
    assert rows[0] == ["section", "key", "value"]
    assert ["report", "site_id", "'=cmd"] in rows
    assert ["restrictions_by_ground", "terms:spam:automated", "2"] in rows
    assert ["notices_by_status", "VOID", "1"] in rows
    assert ["notices", "median_hours_to_decide", ""] in rows
