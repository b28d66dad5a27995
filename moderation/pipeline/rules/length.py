"""Length: hold comments too short to mean anything or longer than the site wants.

The API's size limit stays the hard bound; these thresholds only send a comment to a person.
Lengths count characters of the text as written, without surrounding white space.
"""

from __future__ import annotations

from moderation.pipeline.rules.base import RuleContext, SimpleRule
from moderation.pipeline.verdict import RuleHit


class LengthRule(SimpleRule):
    """Holds a comment shorter than `min_chars` or longer than `max_chars` (0 = no bound)."""

    id = "length"
    action = "hold"
    message = "length outside the allowed range"
    public_code = "length"

    def __init__(self, min_chars: int, max_chars: int) -> None:
        self.min_chars = min_chars
        self.max_chars = max_chars

    def check(self, context: RuleContext) -> list[RuleHit]:
        length = len(context.text.strip())
        if length < self.min_chars:
            return [self.hit(f"too short: {length} characters (at least {self.min_chars})")]
        if self.max_chars and length > self.max_chars:
            message = f"too long: {length} characters (at most {self.max_chars})"
            return [self.hit(message, [(self.max_chars, len(context.text))])]
        return []
