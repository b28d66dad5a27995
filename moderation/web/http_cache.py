"""HTTP caching of public reads: ETags, 304 Not Modified, Cache-Control and CDN surrogate keys.

A view that has its body as bytes and a strong ETag for it answers with `conditional`: a
request whose `If-None-Match` names that ETag gets `304 Not Modified` and no body; any other
gets the body. Both carry the same validators and caching headers, as RFC 9110 asks.

`Vary`: a page's body depends only on its path and query, never on the caller, so no view here
adds to it. CORS (web/cors.py) adds `Vary: Origin` on the public paths, because the
`Access-Control-Allow-Origin` header is the calling page's origin; a CDN keeps one copy per
newsroom origin (a handful), which docs/operations.md ("CDN") explains.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response, request

from moderation.config import ReadSettings

# Where a comment's own status is concerned: only its author's browser may keep it, and must
# ask again each time (a 304 when nothing changed).
PRIVATE = "private, no-cache"


def public_cache_control(reads: ReadSettings) -> str:
    """`Cache-Control` of a published page: short for browsers, configurable for a CDN."""
    return (
        f"public, max-age={reads.max_age}, s-maxage={reads.s_maxage}, "
        f"stale-while-revalidate={reads.stale_while_revalidate}"
    )


def conditional(
    body: bytes,
    etag: str,
    cache_control: str,
    surrogate_keys: Sequence[str] = (),
) -> Response:
    """The answer to a GET of `body` (JSON) tagged `etag`: 200, or 304 when the caller has it.

    `surrogate_keys` go out twice: `Surrogate-Key` (space-separated: Fastly, Varnish with the
    VCL in docs/operations.md) and `Cache-Tag` (comma-separated: Cloudflare, Akamai).
    """
    # Weak comparison, as If-None-Match asks: a CDN that compressed the page sends W/"...".
    if request.if_none_match.contains_weak(etag.strip('"')):
        response = Response(status=304)
    else:
        response = Response(body, status=200, mimetype="application/json")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = cache_control
    if surrogate_keys:
        response.headers["Surrogate-Key"] = " ".join(surrogate_keys)
        response.headers["Cache-Tag"] = ",".join(surrogate_keys)
    return response
