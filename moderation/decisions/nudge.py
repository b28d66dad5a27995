"""What the author of a draft is told before posting (the nudge): pure, from a decision.

Only reasons the author can act on by rephrasing are told (the wording, links, personal data,
capitals, repetition, length); the site's or article's pre-moderation, a ban, a closed article
or a moderator's reading are not what a nudge is for, and a draft they alone would hold is not
nudged. Codes are the public codes of pipeline/rules (PUBLIC_CODES) and `toxic_language`, which
the widget words in the reader's language and review/glossary.py explains to moderators.
"""

from __future__ import annotations

from typing import Any

from moderation.decisions.service import Decided

# The public codes a rephrased draft may no longer get.
REPHRASABLE = (
    "toxic_language",
    "offensive_language",
    "awaiting_review",
    "links",
    "spam",
    "shouting",
    "noise",
    "length",
    "personal_data",
)


def reason_codes(decided: Decided) -> list[str]:
    """The rephrasable public codes behind a hold or reject, strictest first, each once."""
    verdict = decided.verdict
    if not decided.decided or verdict.decision == "approve":
        return []
    found: list[str] = []
    for action in ("reject", "hold"):
        for hit in verdict.rule_hits:
            skipped = action == "hold" and verdict.trusted and not hit.holds_trusted
            if hit.action == action and not skipped:
                found.append(hit.public_code)
        if any(score.band == action for score in verdict.label_scores):
            found.append("toxic_language")
    return [code for code in dict.fromkeys(found) if code in REPHRASABLE]


def nudge_answer(decided: Decided | None) -> dict[str, Any]:
    """The pre-check's answer: the outcome, whether to nudge, and the codes to explain."""
    if decided is None:
        return {"enabled": True, "outcome": "unknown", "nudge": False, "reasons": []}
    codes = reason_codes(decided)
    return {
        "enabled": True,
        "outcome": decided.outcome,
        "nudge": bool(codes),
        "reasons": codes,
    }
