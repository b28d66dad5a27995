"""A site's policy as numbered versions: the document, its checks, diffs, and the writes.

A policy document is what a site overrides of the service's settings (`thresholds`, `rules`,
`review`, `premoderate`, `spot_check`: the site's `settings`) plus `model`: null (the worker's
configured model) or `{"checkpoint": ..., "config_dir": ...}` (a detoxify-format checkpoint the
scoring workers load, cached per path). Versions are never changed: every change adds one, and
the site's row points at the live one (`policy_version`, whose settings it also holds, so every
reader of a site's settings keeps working) and at most one shadow (`shadow_version`). Each act
is a `site_policy_events` row: who, when, why. The admin acts are in `policies/service.py`;
`SiteService` uses `add_version` and `make_live` when an admin PATCHes a site's settings.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.config import Settings
from moderation.errors import InvalidRequestError
from moderation.sites.models import Site, SitePolicy, SitePolicyEvent
from moderation.sites.overrides import check_site_settings

MODEL_KEYS = frozenset({"checkpoint", "config_dir"})


@dataclasses.dataclass(frozen=True)
class PolicyView:
    """One version of a site's policy as plain values."""

    version: int
    document: Mapping[str, Any]

    @property
    def settings(self) -> dict[str, Any]:
        """The document without its model: what a site's `settings` hold."""
        return {key: value for key, value in self.document.items() if key != "model"}

    @property
    def model(self) -> Mapping[str, str] | None:
        model = self.document.get("model")
        return dict(model) if model else None

    @property
    def thresholds(self) -> dict[str, Any]:
        return dict(self.document.get("thresholds", {}))

    @property
    def rules(self) -> dict[str, Any]:
        return dict(self.document.get("rules", {}))

    @property
    def premoderate(self) -> bool:
        return bool(self.document.get("premoderate"))


def document(settings: Mapping[str, Any], model: Mapping[str, Any] | None) -> dict[str, Any]:
    """A policy document from a site's settings and a model choice (empty sections dropped)."""
    found = {key: value for key, value in settings.items() if value and key != "model"}
    found["model"] = dict(model) if model else None
    return found


def check_policy(
    settings: Mapping[str, Any], model: Any, service: Settings
) -> dict[str, str] | None:
    """Check a policy's settings (as a site's, sites/overrides.py) and its model; return the
    model as it is stored. A checkpoint must lie under `policies.checkpoint_dirs` or the
    training job's `learning.models_dir`."""
    review = {
        "report_threshold": service.review.report_threshold,
        "hide_threshold": service.review.hide_threshold,
    }
    check_site_settings(settings, service.rules, service.model.thresholds, review)
    # The training job's own folder too: what it holds, the service itself wrote (learning/).
    return check_model(model, [*service.policies.checkpoint_dirs, service.learning.models_dir])


def check_model(model: Any, allowed: Iterable[str]) -> dict[str, str] | None:
    """None, or {"checkpoint": path, "config_dir": path}, each path inside an allowed folder."""
    if model is None:
        return None
    if not isinstance(model, Mapping) or set(model) - MODEL_KEYS or "checkpoint" not in model:
        raise InvalidRequestError(
            'must be null or {"checkpoint": path, "config_dir": path}', field="model"
        )
    roots = [Path(os.path.expanduser(folder)).resolve() for folder in allowed]
    found: dict[str, str] = {}
    for key in ("checkpoint", "config_dir"):
        value = model.get(key)
        if value is None and key == "config_dir":
            continue
        if not isinstance(value, str) or not 1 <= len(value) <= 1000 or "\x00" in value:
            raise InvalidRequestError("must be a path of 1-1,000 characters", field=f"model.{key}")
        if not os.path.isabs(value):
            raise InvalidRequestError("must be an absolute path", field=f"model.{key}")
        path = Path(value).resolve()
        if not any(path == root or root in path.parents for root in roots):
            raise InvalidRequestError(
                "is not inside a folder of policies.checkpoint_dirs "
                f"({', '.join(str(root) for root in roots) or 'none configured'})",
                field=f"model.{key}",
            )
        found[key] = str(path)
    return found


def checkpoint_files(model: Mapping[str, str]) -> tuple[str, str]:
    """The .ckpt file and config folder a policy's model names: a folder holds model.ckpt and
    config/ (the layout tests/support/tiny_model.py and the training job write)."""
    checkpoint = model["checkpoint"]
    config_dir = model.get("config_dir") or ""
    if os.path.isdir(checkpoint):
        if not config_dir:
            config_dir = os.path.join(checkpoint, "config")
        checkpoint = os.path.join(checkpoint, "model.ckpt")
    elif not config_dir:
        config_dir = os.path.join(os.path.dirname(checkpoint), "config")
    return checkpoint, config_dir


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed between two documents, as dotted paths: [{"path", "before", "after"}]."""
    old = _flatten(before or {})
    new = _flatten(after)
    return [
        {"path": path, "before": old.get(path), "after": new.get(path)}
        for path in sorted(set(old) | set(new))
        if old.get(path) != new.get(path)
    ]


def _flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, Mapping) and item and key != "model":
            flat.update(_flatten(item, f"{path}."))
        elif isinstance(item, Mapping) and key == "model":
            flat.update({f"model.{k}": v for k, v in item.items()})
        elif item is not None and item != {}:
            flat[path] = item
    return flat


def view(row: SitePolicy) -> PolicyView:
    return PolicyView(row.version, dict(row.document or {}))


def load(session: Session, site_id: str, version: int) -> SitePolicy | None:
    return session.scalar(
        select(SitePolicy).where(SitePolicy.site_id == site_id, SitePolicy.version == version)
    )


def pointed(session: Session, rows: Iterable[Site]) -> dict[tuple[str, int], PolicyView]:
    """The live and shadow versions these sites point at, in one query."""
    wanted = {
        (row.id, version)
        for row in rows
        for version in (row.policy_version, row.shadow_version)
        if version is not None
    }
    if not wanted:
        return {}
    found = session.scalars(
        select(SitePolicy).where(
            SitePolicy.site_id.in_({site for site, _ in wanted}),
            SitePolicy.version.in_({version for _, version in wanted}),
        )
    )
    return {
        (policy.site_id, policy.version): view(policy)
        for policy in found
        if (policy.site_id, policy.version) in wanted
    }


def add_version(
    session: Session,
    site_id: str,
    doc: Mapping[str, Any],
    *,
    kind: str,
    actor: str,
    reason: str,
    based_on: int | None,
) -> SitePolicy:
    """Write the next version of the site's policy (the site's row is locked by the caller)."""
    latest = session.scalar(
        select(func.max(SitePolicy.version)).where(SitePolicy.site_id == site_id)
    )
    policy = SitePolicy(
        site_id=site_id,
        version=(latest or 0) + 1,
        kind=kind,
        document=dict(doc),
        based_on=based_on,
        reason=reason,
        created_by=actor,
    )
    session.add(policy)
    session.flush()
    note(session, site_id, "created", policy.version, based_on, actor, reason)
    return policy


def make_live(
    session: Session, row: Site, policy: SitePolicy, actor: str, reason: str, action: str
) -> None:
    """Make `policy` the site's live one: its settings become the site's; audited."""
    previous = row.policy_version
    row.settings = view(policy).settings
    row.policy_version = policy.version
    if row.shadow_version == policy.version:
        row.shadow_version = None
    row.updated_by = actor
    note(session, row.id, action, policy.version, previous, actor, reason)


def note(
    session: Session,
    site_id: str,
    action: str,
    version: int | None,
    previous: int | None,
    actor: str,
    reason: str,
) -> None:
    session.add(
        SitePolicyEvent(
            site_id=site_id,
            action=action,
            version=version,
            previous=previous,
            actor=actor,
            reason=reason,
        )
    )
