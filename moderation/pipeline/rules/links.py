"""Link rules: hold links (all, or to domains outside an allow list), hold too many links,
and reject links to domains on a deny list."""

from __future__ import annotations

import re
from collections.abc import Iterable

from moderation.pipeline.rules.base import RuleContext, article_int, article_list, article_str
from moderation.pipeline.verdict import RuleHit

# Scheme links, www. links, and bare domains with a common top-level domain.
_LINK = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|io|ru|cn|xyz|top|co|uk|de|fr|es|ly|me)"
    r"(?:/[^\s<>\"']*)?\b"
)
# A cheap first look (a literal "." starts it, which the regex engine searches for quickly):
# most comments have no link, and the full pattern costs a pass of its own.
_TLD_HINT = re.compile(r"(?i)\.(?:com|net|org|info|biz|io|ru|cn|xyz|top|co|uk|de|fr|es|ly|me)\b")


def _domain(link: str) -> str:
    host = re.sub(r"(?i)^(?:https?://)", "", link).split("/", 1)[0].split(":", 1)[0]
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _domains(items: Iterable[str]) -> set[str]:
    return {domain.lower().strip().lstrip(".") for domain in items if domain.strip()}


def _listed(domain: str, listed: set[str]) -> bool:
    return any(domain == item or domain.endswith("." + item) for item in listed)


class LinkRule:
    """Holds links per the configured mode, caps their number, rejects denied domains.

    An article may set its own `links`, `link_allow_domains`, `link_deny_domains` and
    `max_links`.
    """

    id = "links"
    action = "hold"
    message = "link"
    public_code = "links"

    def __init__(
        self,
        mode: str,
        allow_domains: Iterable[str],
        max_links: int,
        deny_domains: Iterable[str] = (),
    ) -> None:
        self.mode = mode
        self.allow = _domains(allow_domains)
        self.deny = _domains(deny_domains)
        self.max_links = max_links

    def check(self, context: RuleContext) -> list[RuleHit]:
        text = context.text
        if not (_TLD_HINT.search(text) or "www." in text or "WWW." in text or "://" in text):
            return []
        # The domain of an e-mail address is not a link (the personal-data rule sees it).
        matches = [m for m in _LINK.finditer(text) if not text[: m.start()].endswith("@")]
        if not matches:
            return []
        rules = context.article_rules
        mode = article_str(context, "links", self.mode)
        max_links = article_int(context, "max_links", self.max_links)
        allow = self.allow
        if "link_allow_domains" in rules:
            allow = _domains(article_list(context, "link_allow_domains", ()))
        deny = self.deny
        if "link_deny_domains" in rules:
            deny = _domains(article_list(context, "link_deny_domains", ()))
        hits: list[RuleHit] = []
        denied = [match for match in matches if _listed(_domain(match.group()), deny)]
        if denied:
            domains = sorted({_domain(match.group()) for match in denied})
            hits.append(
                RuleHit(
                    "link_denied",
                    "reject",
                    f"link to a denied domain: {', '.join(domains)}",
                    "spam",
                    tuple(match.span() for match in denied),
                )
            )
        flagged = []
        if mode != "off":
            flagged = [
                match
                for match in matches
                if match not in denied
                and (mode == "all" or not _listed(_domain(match.group()), allow))
            ]
        if flagged:
            domains = sorted({_domain(match.group()) for match in flagged})
            hits.append(
                RuleHit(
                    self.id,
                    "hold",
                    f"link to {', '.join(domains)}",
                    self.public_code,
                    tuple(match.span() for match in flagged),
                )
            )
        if len(matches) > max_links:
            hits.append(
                RuleHit(
                    "too_many_links",
                    "hold",
                    f"{len(matches)} links (more than {max_links})",
                    self.public_code,
                    tuple(match.span() for match in matches),
                )
            )
        return hits
