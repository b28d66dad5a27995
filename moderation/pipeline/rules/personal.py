"""Personal data: e-mail addresses and phone numbers are held, so nobody's contact details are
published by someone else (or by themselves, by mistake)."""

from __future__ import annotations

import re

from moderation.pipeline.rules.base import RuleContext, SimpleRule, article_bool
from moderation.pipeline.verdict import RuleHit

_EMAIL = re.compile(
    r"(?i)(?<![\w.+-])[\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,24}\b"
)
# An optional "+" or "(", then 9 to 15 digits with spaces, dots, dashes or brackets between.
_PHONE = re.compile(r"(?<![\w+.,/])(?:\+|\(\+?)?\d(?:[ .\-()]{0,2}\d){8,14}(?![\w/])")
_GROUP = re.compile(r"\d+")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_NINE_DIGITS = re.compile(r"\d(?:\D{0,3}\d){8}")  # a cheap first look: most comments have none
_THOUSANDS = re.compile(r"^\d{1,3}(?:[ .,]\d{3})+$")  # "1 000 000 000" is a number, not a phone
_IP_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")  # talk pages sign with addresses
_YEARS = re.compile(r"^(?:1[89]|20)\d\d\s*[-/–]\s*(?:1[89]|20)\d\d$")


class PersonalDataRule(SimpleRule):
    """Holds a comment that contains an e-mail address or a phone number.

    `enabled` is the site's `personal_data` setting; an article may set its own.
    """

    id = "personal_data"
    action = "hold"
    message = "personal data"
    public_code = "personal_data"

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def check(self, context: RuleContext) -> list[RuleHit]:
        if not article_bool(context, "personal_data", self.enabled):
            return []
        text = context.text
        hits = []
        if "@" in text:
            emails = [match.span() for match in _EMAIL.finditer(text)]
            if emails:
                hits.append(self.hit(f"e-mail address ({len(emails)})", emails))
        if not _NINE_DIGITS.search(text):
            return hits
        phones = [match.span() for match in _PHONE.finditer(text) if _is_phone(match.group())]
        if phones:
            hits.append(self.hit(f"phone number ({len(phones)})", phones))
        return hits


def _is_phone(candidate: str) -> bool:
    """Whether a run of digits looks like a phone number rather than an id, a date or a sum.

    "+44 20 7946 0958" and "(555) 123-4567" do; so do groups of two to four digits
    ("555-123-4567", "06 12 34 56 78"). A bare run of digits is more often an id or a
    timestamp, and a group of five or more digits an ISBN or a reference, so those do not.
    """
    groups = _GROUP.findall(candidate)
    if not 9 <= sum(map(len, groups)) <= 15 or _IP_ADDRESS.search(candidate):
        return False
    if candidate.startswith(("+", "(")):
        return True
    if len(groups) < 2 or len(groups[-1]) < 2 or any(len(group) > 4 for group in groups):
        return False
    if all(_YEAR.match(group) for group in groups):
        return False
    return not (_THOUSANDS.match(candidate) or _YEARS.match(candidate))
