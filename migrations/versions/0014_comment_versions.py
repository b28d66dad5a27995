"""comment versions: authors' edits kept, an anonymous author's edit capability, import ids

Revision ID: 0014
Revises: 0011

Adds `comment_versions` (comments/edits.py): the text a comment had before each edit, with the
state and verdict it had then, for the review detail and the audit trail. Adds to `comments`:
`edit_token_hash` (SHA-256 of the edit token an anonymous author was given once, at posting) and
`external_id` (the stable id an imported comment came with, unique per site: transfer/) and
`edited_at` (when its author last edited it, shown to readers). Adds `database_identity`
(transfer/models.py): this database's random id, made on first use, for external ids.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "comment_versions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("comment_id", _ID, sa.ForeignKey("comments.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("public_reason", sa.String(50), nullable=True),
        sa.Column("verdict", sa.JSON(), nullable=True),
        sa.Column("comment_version", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=True),
        sa.UniqueConstraint("comment_id", "revision", name="uq_comment_versions_revision"),
    )
    op.create_table(
        "database_identity",
        sa.Column("singleton", sa.Integer(), primary_key=True),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("edit_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("text_revision", sa.Integer(), nullable=False, server_default="1")
        )
        batch.create_index(
            "ix_comments_site_external_id", ["site_id", "external_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_index("ix_comments_site_external_id")
        batch.drop_column("text_revision")
        batch.drop_column("edited_at")
        batch.drop_column("external_id")
        batch.drop_column("edit_token_hash")
    op.drop_table("database_identity")
    op.drop_table("comment_versions")
