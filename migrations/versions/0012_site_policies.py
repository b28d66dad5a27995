"""site policies: versions of each site's policy, their audit, shadow verdicts, spot checks

Revision ID: 0012
Revises: 0011

Adds `site_policies` (every version of a site's policy: settings and model, never changed),
`site_policy_events` (who made, promoted, shadowed or rolled back which version, and why),
`sites.policy_version` / `sites.shadow_version`, `shadow_verdicts` (what a candidate would have
decided) and `spot_checks` (published comments sampled for a person). Each site's current
settings become its policy version 1, live.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "site_policies",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(64), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("site_id", "version", name="uq_site_policies_version"),
    )
    op.create_table(
        "site_policy_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(64), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("previous", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_site_policy_events_site_id", "site_policy_events", ["site_id"])
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("policy_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("shadow_version", sa.Integer(), nullable=True))
    op.create_table(
        "shadow_verdicts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("comment_id", Id, sa.ForeignKey("comments.id"), nullable=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("live_version", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("live_decision", sa.String(10), nullable=False),
        sa.Column("verdict", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_shadow_verdicts_comment_id", "shadow_verdicts", ["comment_id"])
    op.create_index(
        "ix_shadow_verdicts_policy", "shadow_verdicts", ["site_id", "policy_version", "id"]
    )
    op.create_table(
        "spot_checks",
        sa.Column("comment_id", Id, sa.ForeignKey("comments.id"), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_spot_checks_open", "spot_checks", ["site_id", "outcome"])
    _first_versions()


def _first_versions() -> None:
    """Each site's settings as they are: its policy version 1, live, the worker's model."""
    connection = op.get_bind()
    sites = connection.execute(sa.text("SELECT id, settings FROM sites")).all()
    now = dt.datetime.now(dt.UTC)
    for site_id, settings in sites:
        loaded = json.loads(settings) if isinstance(settings, str) else (settings or {})
        document = {key: value for key, value in loaded.items() if value}
        document["model"] = None
        reason = "the site's settings when policies became versions (migration 0012)"
        connection.execute(
            sa.text(
                "INSERT INTO site_policies (site_id, version, kind, document, based_on, reason,"
                " created_by, created_at) VALUES (:site, 1, 'initial', :document, NULL, :reason,"
                " 'migration 0012', :now)"
            ),
            {"site": site_id, "document": json.dumps(document), "reason": reason, "now": now},
        )
        connection.execute(
            sa.text(
                "INSERT INTO site_policy_events (site_id, action, version, previous, actor,"
                " reason, created_at) VALUES (:site, 'promoted', 1, NULL, 'migration 0012',"
                " :reason, :now)"
            ),
            {"site": site_id, "reason": reason, "now": now},
        )
        connection.execute(
            sa.text("UPDATE sites SET policy_version = 1 WHERE id = :site"), {"site": site_id}
        )


def downgrade() -> None:
    op.drop_index("ix_spot_checks_open", table_name="spot_checks")
    op.drop_table("spot_checks")
    op.drop_index("ix_shadow_verdicts_policy", table_name="shadow_verdicts")
    op.drop_index("ix_shadow_verdicts_comment_id", table_name="shadow_verdicts")
    op.drop_table("shadow_verdicts")
    op.drop_index("ix_site_policy_events_site_id", table_name="site_policy_events")
    op.drop_table("site_policy_events")
    op.drop_table("site_policies")
    # Last: on SQLite this copies the sites table, which nothing may refer to by then.
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("shadow_version")
        batch.drop_column("policy_version")
