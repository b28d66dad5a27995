"""cdn purges: the CDN purges by surrogate key the outbox asks for, retried until sent

Revision ID: 0011
Revises: 0010

Adds `cdn_purges` (webhooks/purges.py): one row per surrogate key, made due again by each change
to the article's published thread. Self-contained: nothing else refers to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cdn_purges",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_cdn_purges_due_at", "cdn_purges", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_cdn_purges_due_at", table_name="cdn_purges")
    op.drop_table("cdn_purges")
