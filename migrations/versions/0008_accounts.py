"""moderator accounts: people, their roles per site, their API tokens; actor ids in the trail

Revision ID: 0008
Revises: 0007

Site ids are plain strings with no foreign key to a sites table ("*" means every site and names
no row). `audit_records.actor_id`, `author_actions.actor_id` and `bulk_operations.moderator_id`
are nullable: records written before accounts existed, by the system, by authors or by the
environment's tokens have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("login", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login"),
    )
    op.create_table(
        "account_roles",
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "site_id", "role"),
    )
    op.create_index("ix_account_roles_site", "account_roles", ["site_id"])
    op.create_table(
        "account_tokens",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_account_tokens_account_id", "account_tokens", ["account_id"])
    with op.batch_alter_table("audit_records") as batch:
        batch.add_column(sa.Column("actor_id", _ID, nullable=True))
        batch.create_index("ix_audit_records_actor_id", ["actor_id"])
    with op.batch_alter_table("author_actions") as batch:
        batch.add_column(sa.Column("actor_id", _ID, nullable=True))
    with op.batch_alter_table("bulk_operations") as batch:
        batch.add_column(sa.Column("moderator_id", _ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bulk_operations") as batch:
        batch.drop_column("moderator_id")
    with op.batch_alter_table("author_actions") as batch:
        batch.drop_column("actor_id")
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_index("ix_audit_records_actor_id")
        batch.drop_column("actor_id")
    op.drop_table("account_tokens")
    op.drop_index("ix_account_roles_site", table_name="account_roles")
    op.drop_table("account_roles")
    op.drop_table("accounts")
