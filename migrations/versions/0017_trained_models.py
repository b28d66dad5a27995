"""trained models: site models trained from moderators' decisions, with their evaluation

Revision ID: 0017
Revises: 0011

Adds `trained_models` (learning/models.py): one row per training run that produced a model,
its checkpoint path, evaluation and status. Self-contained: nothing else refers to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trained_models",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.Column("config_dir", sa.Text(), nullable=False),
        sa.Column("base_checkpoint", sa.Text(), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("decisions_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_trained_models_site_created", "trained_models", ["site_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_trained_models_site_created", table_name="trained_models")
    op.drop_table("trained_models")
