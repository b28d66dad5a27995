"""Link rule: hold comments with links (all, or to domains outside an allow list, or too many)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from moderation.pipeline.rules.base import RuleContext
from moderation.pipeline.verdict import RuleHit

# Scheme links, www. links, and bare domains with a common top-level domain.
_LINK = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|io|ru|cn|xyz|top|co|uk|de|fr|es|ly|me)"
    r"(?:/[^\s<>\"']*)?\b"
)


def _domain(link: str) -> str:
    host = re.sub(r"(?i)^(?:https?://)", "", link).split("/", 1)[0].split(":", 1)[0]
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


class LinkRule:
    """Holds links per the configured mode and caps the number of links in one comment."""

    id = "links"

    def __init__(self, mode: str, allow_domains: Iterable[str], max_links: int) -> None:
        self.mode = mode
        self.allow = {domain.lower().lstrip(".") for domain in allow_domains}
        self.max_links = max_links

    def _allowed(self, domain: str) -> bool:
        return any(domain == item or domain.endswith("." + item) for item in self.allow)

    def check(self, context: RuleContext) -> list[RuleHit]:
        matches = list(_LINK.finditer(context.text))
        if not matches:
            return []
        hits: list[RuleHit] = []
        if self.mode == "all":
            flagged = matches
        else:
            flagged = [match for match in matches if not self._allowed(_domain(match.group()))]
        if flagged:
            domains = sorted({_domain(match.group()) for match in flagged})
            hits.append(
                RuleHit(
                    self.id,
                    "hold",
                    f"link to {', '.join(domains)}",
                    "links",
                    tuple(match.span() for match in flagged),
                )
            )
        if len(matches) > self.max_links:
            hits.append(
                RuleHit(
                    "too_many_links",
                    "hold",
                    f"{len(matches)} links (more than {self.max_links})",
                    "links",
                    tuple(match.span() for match in matches),
                )
            )
        return hits
