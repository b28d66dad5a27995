"""Length: hold comments too short to mean anything or longer than the site wants.

The API's size limit stays the hard bound; these thresholds only send a comment to a person.
Lengths count characters of the text as written, without surrounding white space.
"""

from __future__ import annotations

from moderation.pipeline.rules.base import RuleContext, SimpleRule, article_int
from moderation.pipeline.verdict import RuleHit


class LengthRule(SimpleRule):
    """Holds a comment shorter than `min_length` or longer than `max_length` (0 = no bound).

    An article may set its own `min_length` and `max_length`.
    """

    id = "length"
    action = "hold"
    message = "length outside the allowed range"
    public_code = "length"

    def __init__(self, min_length: int, max_length: int) -> None:
        self.min_length = min_length
        self.max_length = max_length

    def check(self, context: RuleContext) -> list[RuleHit]:
        shortest = article_int(context, "min_length", self.min_length)
        longest = article_int(context, "max_length", self.max_length)
        length = len(context.text.strip())
        if length < shortest:
            return [self.hit(f"too short: {length} characters (at least {shortest})")]
        if longest and length > longest:
            message = f"too long: {length} characters (at most {longest})"
            return [self.hit(message, [(min(longest, len(context.text)), len(context.text))])]
        return []
