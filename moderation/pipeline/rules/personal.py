"""Personal data: e-mail addresses and phone numbers are held, so nobody's contact details are
published by someone else (or by themselves, by mistake).

Phone numbers are found with phonenumbers (Google's libphonenumber), which knows each
country's numbering plan: a number counts when it is a valid number of one of the site's
regions, or an international one ("+44 20 7946 0958"), so "0612345678" (a French mobile) and
"015112345678" (a German one) are seen and "order 123-456-789", a date or an ISBN are not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from moderation.pipeline.rules.base import RuleContext, SimpleRule, article_bool
from moderation.pipeline.verdict import RuleHit

_EMAIL = re.compile(
    r"(?i)(?<![\w.+-])[\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,24}\b"
)
# The [rules] phone_regions default (config/default.toml says why these).
DEFAULT_REGIONS = ("US", "GB", "FR", "DE", "ES")
_NINE_DIGITS = re.compile(r"\d(?:\D{0,3}\d){8}")  # a cheap first look: most comments have none
# An optional "+" or "(", then 8 to 15 digits with spaces, dots, dashes or brackets between;
# not inside a longer run of digits, a word or a path.
_CANDIDATE = re.compile(r"(?<![\w+.,/])(?:\+|\(\+?)?\d(?:[ .\-()/]{0,2}\d){7,14}(?![\w/])")
_IP_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")  # talk pages sign with addresses


class PersonalDataRule(SimpleRule):
    """Holds a comment that contains an e-mail address or a phone number.

    `enabled` is the site's `personal_data` setting; an article may set its own. `regions`
    are the countries (ISO 3166 codes) whose national numbers are looked for.
    """

    id = "personal_data"
    action = "hold"
    message = "personal data"
    public_code = "personal_data"

    def __init__(self, enabled: bool = True, regions: Sequence[str] = DEFAULT_REGIONS) -> None:
        self.enabled = enabled
        self.regions = tuple(regions)

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
        phones = phone_spans(text, self.regions)
        if phones:
            hits.append(self.hit(f"phone number ({len(phones)})", phones))
        return hits


def phone_spans(text: str, regions: Sequence[str]) -> list[tuple[int, int]]:
    """The spans of valid phone numbers of these regions (or international ones) in `text`.

    Runs of digits that could be a number are cut out with a cheap pattern, and only those
    are handed to phonenumbers' `PhoneNumberMatcher` (its VALID leniency: a valid number,
    written as that country writes it, national prefix included), once per region. Run on
    the whole comment, the matcher scans it in Python once per region, which costs ten times
    more on the long, digit-rich comments of talk pages.
    """
    from phonenumbers import Leniency, PhoneNumberMatcher

    spans = []
    for candidate in _CANDIDATE.finditer(text):
        written = candidate.group()
        if _IP_ADDRESS.fullmatch(written.strip("()")):
            continue
        for region in regions:
            found = next(iter(PhoneNumberMatcher(written, region, leniency=Leniency.VALID)), None)
            if found is not None:
                start = candidate.start() + found.start
                spans.append((start, start + len(found.raw_string)))
                break
    return spans
