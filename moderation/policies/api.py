"""Admin endpoints for a site's policy (/v1/sites/<site>/policies) and the moderators' spot
checks (/v1/spot-checks/<comment>)."""

from __future__ import annotations

from typing import Any

from flask import g

from moderation.policies.calibration import Targets
from moderation.policies.report import PolicyReports
from moderation.policies.schemas import (
    CalibrationIn,
    CandidateIn,
    PolicyHistoryOut,
    PolicyVersionOut,
    ReasonIn,
    ReportQuery,
    RollbackIn,
    ShadowIn,
    SpotCheckOut,
)
from moderation.policies.service import PolicyService
from moderation.policies.spot_checks import SpotCheckService
from moderation.sites.service import SiteService
from moderation.web.auth import require_role, require_site
from moderation.web.blueprint import Blueprint
from moderation.web.context import service

blp = Blueprint(
    "policies",
    __name__,
    url_prefix="/v1/sites/<site_id>/policies",
    description="A site's policy as versions: candidates, shadows, promotion, rollback, "
    "calibration (admin; docs/policies.md)",
)
spot_blp = Blueprint(
    "spot_checks",
    __name__,
    url_prefix="/v1/spot-checks",
    description="Published comments sampled for a person to look at (moderators)",
)


def _admin_of(site_id: str) -> str:
    """The site's id once the caller is its admin (404 for no such site)."""
    site = service(SiteService).require(site_id)
    require_site(site.id, "admin")
    return site.id


@blp.route("", methods=["GET"])
@require_role("admin")
@blp.response(200, PolicyHistoryOut)
def list_versions(site_id: str) -> Any:
    """Every version, newest first, with what each changed against the one before; the audit."""
    return service(PolicyService).history(_admin_of(site_id))


@blp.route("", methods=["POST"])
@require_role("admin")
@blp.arguments(CandidateIn)
@blp.response(201, PolicyVersionOut)
def create_candidate(body: dict[str, Any], site_id: str) -> Any:
    """A candidate version (not live), scored in the shadows at once unless `shadow` is false."""
    document = {**body.get("settings", {}), "model": body.get("model")}
    return service(PolicyService).create_candidate(
        _admin_of(site_id), document, body["reason"], g.moderator, shadow=body["shadow"]
    )


@blp.route("/<int:version>", methods=["GET"])
@require_role("admin")
@blp.response(200, PolicyVersionOut)
def show_version(site_id: str, version: int) -> Any:
    """One version, with what it changes against the live one."""
    return service(PolicyService).show(_admin_of(site_id), version)


@blp.route("/<int:version>/promote", methods=["POST"])
@require_role("admin")
@blp.arguments(ReasonIn)
@blp.response(200, PolicyVersionOut)
def promote(body: dict[str, Any], site_id: str, version: int) -> Any:
    """Make this version live: it decides the next comment scored (every process within
    `sites.cache_seconds`)."""
    return service(PolicyService).promote(_admin_of(site_id), version, body["reason"], g.moderator)


@blp.route("/rollback", methods=["POST"])
@require_role("admin")
@blp.arguments(RollbackIn)
@blp.response(200, PolicyVersionOut)
def rollback(body: dict[str, Any], site_id: str) -> Any:
    """Make an earlier version live again."""
    return service(PolicyService).rollback(
        _admin_of(site_id), body["version"], body["reason"], g.moderator
    )


@blp.route("/shadow", methods=["PUT"])
@require_role("admin")
@blp.arguments(ShadowIn)
@blp.response(200, PolicyHistoryOut)
def set_shadow(body: dict[str, Any], site_id: str) -> Any:
    """Score this version in the shadows beside the live one (null: stop)."""
    return service(PolicyService).shadow(
        _admin_of(site_id), body["version"], body["reason"], g.moderator
    )


@blp.route("/report", methods=["GET"])
@require_role("admin")
@blp.arguments(ReportQuery, location="query")
@blp.response(200)
def report(query: dict[str, Any], site_id: str) -> Any:
    """Live against a candidate (default: the shadow now) against people's decisions:
    agreement, and precision and recall of each on the comments people decided."""
    return service(PolicyReports).shadow_report(_admin_of(site_id), query.get("version"))


@blp.route("/calibration", methods=["POST"])
@require_role("admin")
@blp.arguments(CalibrationIn)
@blp.response(200)
def calibrate(body: dict[str, Any], site_id: str) -> Any:
    """Per label, the precision/recall curve of people's decisions and the hold and reject
    levels meeting the targets; with `create_candidate`, a candidate shadowed at once."""
    targets = Targets(body["reject_precision"], body["hold_recall"], body["min_examples"])
    return service(PolicyReports).calibrate(
        _admin_of(site_id),
        targets,
        g.moderator,
        since=body.get("since"),
        labels=body.get("labels"),
        create_candidate=body["create_candidate"],
    )


@spot_blp.route("/<int:comment_id>", methods=["GET"])
@require_role("moderator")
@spot_blp.response(200, SpotCheckOut)
def get_spot_check(comment_id: int) -> Any:
    """Whether a comment was sampled for a spot check, and how it was settled."""
    found = service(SpotCheckService).get(comment_id)
    require_site(found.site_id)
    return found


@spot_blp.route("/<int:comment_id>/keep", methods=["POST"])
@require_role("moderator")
@spot_blp.response(200, SpotCheckOut)
def keep(comment_id: int) -> Any:
    """Leave a spot-checked comment published (to remove it, reject it in the review API)."""
    checks = service(SpotCheckService)
    require_site(checks.get(comment_id).site_id)
    return checks.keep(comment_id, g.moderator)
