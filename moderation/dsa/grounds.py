"""The ground of a restriction (DSA art. 17(3)(d) and (e)): the law, or the site's terms, named
from the reason code the decision recorded, in the glossary's words (review/glossary.py).

Only a person finds content illegal: a moderator's `illegal` reason code, or a notice decided
ILLEGAL (which records that code). Every other code, the machine's included, is a ground in the
site's terms: the rules and the model judge incivility, never legality.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from moderation.review.glossary import LABELS, PUBLIC_CODES, RULES

LAW = "law"
TERMS = "terms"
# Reason codes that say the content is illegal.
LAW_CODES = frozenset({"illegal"})
# What a restriction without a recorded code (older rows, an undo back to held) rests on.
UNSPECIFIED = "awaiting_review"


@dataclasses.dataclass(frozen=True)
class Ground:
    type: str
    code: str
    name: str
    explanation: str

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def ground_for(code: str | None, legal_grounds: str | None = None) -> Ground:
    """The ground of a decision recorded with reason `code`; a notice's `legal_grounds` (the law
    a moderator found broken) word a legal ground when there are some."""
    code = code or UNSPECIFIED
    name, explanation = PUBLIC_CODES.get(code, (code.replace("_", " ").capitalize(), ""))
    if code in LAW_CODES:
        return Ground(LAW, code, name, legal_grounds or explanation)
    return Ground(TERMS, code, name, explanation or "A rule of the site's community terms.")


def ground_type(code: str | None) -> str:
    """law or terms, for counting (the transparency report)."""
    return LAW if (code or UNSPECIFIED) in LAW_CODES else TERMS


def flagged_by(verdict: dict[str, Any] | None) -> list[str]:
    """The plain names of what made the machine hold or reject (rules and model labels whose
    action was the verdict's decision), never scores or the words matched."""
    if not verdict or verdict.get("decision") not in {"hold", "reject"}:
        return []
    names: list[str] = []
    for reason in verdict.get("reasons") or []:
        if not isinstance(reason, dict) or reason.get("action") != verdict["decision"]:
            continue
        reason_id = str(reason.get("id", ""))
        table = LABELS if reason.get("kind") == "model" else RULES
        name = table.get(reason_id, (reason_id.replace("_", " ").capitalize(), ""))[0]
        if reason.get("kind") == "model":
            name = f"{name} (the model's score reached the site's limit)"
        if name not in names:
            names.append(name)
    return names
