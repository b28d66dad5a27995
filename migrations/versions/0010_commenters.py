"""commenters: whether a comment's author came with a commenter session the site signed

Revision ID: 0010
Revises: 0009

Adds `comments.author_verified` (false for every comment before it: their author ids are what
the requests said). Sites' commenter-token settings need no column: `sites.commenters`, made by
0007, holds them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(
            sa.Column(
                "author_verified", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("author_verified")
