"""Link rules: hold links (all, or to domains outside an allow list) from authors without
approved comments, hold too many links, and reject links to domains on a deny list.

Links are found as written, then trimmed of the punctuation around them ("https://spam.com,",
"(https://spam.com)", "www.spam.com!" all link to spam.com), and their domains are read with
tldextract against the Public Suffix List snapshot that ships inside the package (no download,
ever: `suffix_list_urls=()`), so a bare domain counts as a link whatever its ending
("cheap-pills.shop", "news.co.uk") and "file.txt" or "e.g." do not.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from moderation.pipeline.rules.base import RuleContext, article_int, article_list, article_str
from moderation.pipeline.verdict import RuleHit

# A scheme or www. link up to the next space or bracket-like delimiter, or a bare host name:
# letters, digits and hyphens in dot-separated labels, the last one starting with a letter.
_CANDIDATE = re.compile(
    r"(?i)(?:https?://|\bwww\.)[^\s<>\"'`]+"
    r"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}"
    r"(?:/[^\s<>\"'`]*)?"
)
# A cheap first look: most comments have no dot between two letters and no "://".
_HINT = re.compile(r"(?i)[a-z0-9-]\.[a-z]{2}|://")
_TRAILING = ".,;:!?'\"»”’…*"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_SCHEME = re.compile(r"(?i)^https?://")


@cache
def _extractor() -> Any:
    """tldextract with its bundled Public Suffix List snapshot: never a network call or a
    cache file (built on first use, about 0.1 s)."""
    import tldextract

    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


@dataclasses.dataclass(frozen=True)
class Link:
    """One link in a comment: its span, its host and its registered domain."""

    start: int
    end: int
    host: str
    domain: str


def trim(text: str, start: int, end: int) -> int:
    """The end of a link once the punctuation after it is cut off.

    A closing bracket stays when the link opened it ("wiki/Python_(language)").
    """
    while end > start:
        last = text[end - 1]
        unopened = last in _CLOSERS and text.count(_CLOSERS[last], start, end) < text.count(
            last, start, end
        )
        if last not in _TRAILING and not unopened:
            break
        end -= 1
    return end


def find_links(text: str) -> list[Link]:
    """Every link in `text`, in order; e-mail domains, file names and IP addresses are not."""
    links = []
    for match in _CANDIDATE.finditer(text):
        start = match.start()
        end = trim(text, start, match.end())
        written = text[start:end]
        schemed = bool(_SCHEME.match(written))
        host = _SCHEME.sub("", written).split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        host = host.split(":", 1)[0].rstrip(".").lower()
        if not host or (not schemed and not _bare_domain(written, host)):
            continue
        parts = _extractor()(host)
        if not parts.suffix or not parts.domain:
            continue  # "file.txt", "e.g": no public suffix; an IP address has none either
        domain = f"{parts.domain}.{parts.suffix}"
        links.append(Link(start, end, host[4:] if host.startswith("www.") else host, domain))
    return links


def _bare_domain(written: str, host: str) -> bool:
    """Whether text without a scheme is meant as an address, not a missing space after a full
    stop: "vote.It was close" is a sentence, "CNN.com" and "www.spam.com" are addresses."""
    if host.startswith("www.") or "/" in written:
        return True
    label_starts = [written[index + 1] for index, char in enumerate(written) if char == "."]
    return written.isupper() or not any(char.isupper() for char in label_starts if char)


def _domains(items: Iterable[str]) -> set[str]:
    return {domain.lower().strip().lstrip(".") for domain in items if domain.strip()}


def _listed(host: str, listed: set[str]) -> bool:
    """Whether a host is a listed domain or under one ("en.wikipedia.org", "nasa.gov")."""
    return any(host == item or host.endswith("." + item) for item in listed)


class LinkRule:
    """Holds links per the configured mode, caps their number, rejects denied domains.

    Links outside the allow list (and too many links) are held only for authors with fewer
    than `hold_until_approved` approved comments (0: for everyone; an unknown count holds).
    An article may set its own `links`, `link_allow_domains`, `link_deny_domains`,
    `max_links` and `link_hold_until_approved`.
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
        hold_until_approved: int = 0,
    ) -> None:
        self.mode = mode
        self.allow = _domains(allow_domains)
        self.deny = _domains(deny_domains)
        self.max_links = max_links
        self.hold_until_approved = hold_until_approved

    def check(self, context: RuleContext) -> list[RuleHit]:
        text = context.text
        if not _HINT.search(text):
            return []
        # The domain of an e-mail address is not a link (the personal-data rule sees it).
        links = [link for link in find_links(text) if not text[: link.start].endswith("@")]
        if not links:
            return []
        rules = context.article_rules
        deny = self.deny
        if "link_deny_domains" in rules:
            deny = _domains(article_list(context, "link_deny_domains", ()))
        hits: list[RuleHit] = []
        denied = [link for link in links if _listed(link.host, deny)]
        if denied:
            domains = sorted({link.domain for link in denied})
            hits.append(
                RuleHit(
                    "link_denied",
                    "reject",
                    f"link to a denied domain: {', '.join(domains)}",
                    "spam",
                    tuple((link.start, link.end) for link in denied),
                )
            )
        if self._author_known_good(context):
            return hits
        hits += self._holds(context, [link for link in links if link not in denied], len(links))
        return hits

    def _author_known_good(self, context: RuleContext) -> bool:
        least = article_int(context, "link_hold_until_approved", self.hold_until_approved)
        count = context.author_approved_count
        return least > 0 and count is not None and count >= least

    def _holds(self, context: RuleContext, links: list[Link], count: int) -> list[RuleHit]:
        mode = article_str(context, "links", self.mode)
        allow = self.allow
        if "link_allow_domains" in context.article_rules:
            allow = _domains(article_list(context, "link_allow_domains", ()))
        hits: list[RuleHit] = []
        flagged = []
        if mode != "off":
            flagged = [link for link in links if mode == "all" or not _listed(link.host, allow)]
        if flagged:
            domains = sorted({link.domain for link in flagged})
            hits.append(
                RuleHit(
                    self.id,
                    "hold",
                    f"link to {', '.join(domains)}",
                    self.public_code,
                    tuple((link.start, link.end) for link in flagged),
                )
            )
        max_links = article_int(context, "max_links", self.max_links)
        if count > max_links:
            hits.append(
                RuleHit(
                    "too_many_links",
                    "hold",
                    f"{count} links (more than {max_links})",
                    self.public_code,
                    tuple((link.start, link.end) for link in links),
                )
            )
        return hits
