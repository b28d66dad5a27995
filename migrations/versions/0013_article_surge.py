"""article surge: surge protection's state on the article's settings row, and its trail

Revision ID: 0013
Revises: 0011

Adds to `article_settings` the surge state (moderation/surge/): since, until (the cool-down's
end), pinned, the measurement that started it, and until when a moderator's early end keeps it
from starting again; and the table `article_surge_actions`, every start, end, pin and unpin.
Existing rows get no surge.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article_settings") as batch:
        batch.add_column(sa.Column("surge_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("surge_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("surge_pinned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("surge_reason", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("surge_quiet_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_index("ix_article_settings_surge_until", ["surge_until"])
    op.create_table(
        "article_surge_actions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor_type", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_article_surge_actions_article",
        "article_surge_actions",
        ["site_id", "article_id", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_article_surge_actions_article", table_name="article_surge_actions")
    op.drop_table("article_surge_actions")
    with op.batch_alter_table("article_settings") as batch:
        batch.drop_index("ix_article_settings_surge_until")
        batch.drop_column("surge_quiet_until")
        batch.drop_column("surge_reason")
        batch.drop_column("surge_pinned")
        batch.drop_column("surge_since")
        batch.drop_column("surge_until")
