"""privacy requests: the record of exports, erasures and retention purges of personal data

Revision ID: 0016
Revises: 0011

Adds `privacy_requests` (privacy/models.py): who asked, when, which site, the subject only as a
pseudonym, and row counts per table. Self-contained: nothing else refers to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("site_id", sa.String(64), nullable=True),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_privacy_requests_subject", "privacy_requests", ["subject"])
    op.create_index("ix_privacy_requests_created", "privacy_requests", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_privacy_requests_created", table_name="privacy_requests")
    op.drop_index("ix_privacy_requests_subject", table_name="privacy_requests")
    op.drop_table("privacy_requests")
