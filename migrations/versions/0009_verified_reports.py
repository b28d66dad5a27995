"""reader reports: whether the reader was verified; no comment stays hidden by anonymous reports

Revision ID: 0009
Revises: 0008

Adds `reader_reports.verified` (false for every report so far: the reader id was whatever the
client sent). Only verified readers can hide a comment now (review/reports.py), so comments
hidden by the earlier, unverified reports are shown again; they stay in the `reported` queue
with their reports until a moderator decides them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reader_reports") as batch:
        batch.add_column(
            sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    comments = sa.table("comments", sa.column("hidden", sa.Boolean()))
    op.execute(comments.update().where(comments.c.hidden.is_(True)).values(hidden=False))


def downgrade() -> None:
    # Comments shown again by the upgrade stay shown: a moderator's queue still has them.
    with op.batch_alter_table("reader_reports") as batch:
        batch.drop_column("verified")
