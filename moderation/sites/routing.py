"""Which site a request is about: the `/v1/sites/<site>/...` form of a path names it, the old
form (`/v1/articles/...`) means the default site (`sites.default`).

`site_route` registers a view under both forms; before the view runs, the site is looked up
(404 naming it when there is none) and kept on `flask.g` as `site` and `site_id`, where the
rate limits, CORS and the views read it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from moderation.sites.service import SiteService, SiteView
from moderation.web.blueprint import Blueprint
from moderation.web.context import service

F = TypeVar("F", bound=Callable[..., Any])
SITE_PREFIX = "/sites/<site>"
_PREPARED: set[int] = set()


def site_route(blp: Blueprint, rule: str, **options: Any) -> Callable[[F], F]:
    """Route `rule` (the default site's) and `/sites/<site>` + `rule` to the same view."""
    if id(blp) not in _PREPARED:
        _PREPARED.add(id(blp))
        blp.url_value_preprocessor(_take_site)

    def decorate(view: F) -> F:
        blp.route(rule, **options)(view)
        blp.route(SITE_PREFIX + rule, endpoint=f"{view.__name__}_in_site", **options)(view)
        return view

    return decorate


def _take_site(endpoint: str | None, values: dict[str, Any] | None) -> None:
    sites = service(SiteService)
    named = (values or {}).pop("site", None)
    site = sites.require(named) if named is not None else sites.require(sites.default_id)
    g.site = site
    g.site_id = site.id
    g.site_named = named is not None


def current_site() -> SiteView:
    """The request's site (the default site where the path names none)."""
    site: SiteView | None = g.get("site")
    if site is None:
        sites = service(SiteService)
        site = sites.require(sites.default_id)
        g.site, g.site_id = site, site.id
    return site


def site_path(rule_path: str) -> str:
    """`rule_path` (e.g. "/v1/comments/5") in the form the request used: with its site or not."""
    if g.get("site_named"):
        head, _, rest = rule_path.partition("/v1/")
        return f"{head}/v1/sites/{g.site_id}/{rest}"
    return rule_path


def request_site_origins() -> set[str]:
    """The origins of the request's site (for CORS); a preflight to a path that names no site
    and no article (a comment's status) may come from any site's page."""
    sites = service(SiteService)
    site_id = g.get("site_id")
    preflight_for_status = request.method == "OPTIONS" and "/articles/" not in request.path
    if (site_id is None or preflight_for_status) and not g.get("site_named"):
        return sites.origins()
    site = sites.get(site_id or sites.default_id)
    return {origin.lower() for origin in site.origins} if site is not None else set()
