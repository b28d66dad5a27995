"""dsa: notices of illegal content, authors' appeals and their history (EU Digital Services Act)

Revision ID: 0015
Revises: 0011

Adds `dsa_notices` (art. 16 notices, one per comment named, with the reporter's contact and a
hashed secret), `dsa_appeals` (art. 20 complaints, one per restricting decision) and
`dsa_history` (each step of both). moderation/dsa/models.py; docs/dsa.md. Statements of reasons
are not stored: they are read from the audit trail, which already keeps every decision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dsa_notices",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(20), nullable=False, unique=True),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("comment_id", _ID, sa.ForeignKey("comments.id"), nullable=False),
        sa.Column("comment_text", sa.Text(), nullable=False),
        sa.Column("law_broken", sa.String(500), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("good_faith", sa.Boolean(), nullable=False),
        sa.Column("reporter_name", sa.String(200), nullable=True),
        sa.Column("reporter_email", sa.String(320), nullable=True),
        sa.Column("reporter_id", sa.String(200), nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("legality", sa.String(10), nullable=True),
        sa.Column("legal_grounds", sa.Text(), nullable=True),
        sa.Column("decision_explanation", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_by_id", _ID, nullable=True),
        _at("decided_at", nullable=True),
        sa.Column("restriction_audit_id", _ID, nullable=True),
        sa.Column("request_id", sa.String(100), nullable=True),
        _at("created_at"),
        _at("updated_at"),
    )
    op.create_index("ix_dsa_notices_comment_id", "dsa_notices", ["comment_id"])
    op.create_index(
        "ix_dsa_notices_site_status_created", "dsa_notices", ["site_id", "status", "created_at"]
    )
    op.create_index("ix_dsa_notices_submission", "dsa_notices", ["submission_id"])
    op.create_table(
        "dsa_appeals",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("comment_id", _ID, sa.ForeignKey("comments.id"), nullable=False),
        sa.Column("audit_record_id", _ID, nullable=False),
        sa.Column("restriction", sa.String(20), nullable=False),
        sa.Column("original_actor_type", sa.String(20), nullable=False),
        sa.Column("original_actor", sa.String(200), nullable=False),
        sa.Column("original_actor_id", _ID, nullable=True),
        sa.Column("author_id", sa.String(200), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=True),
        sa.Column("decision_explanation", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_by_id", _ID, nullable=True),
        _at("decided_at", nullable=True),
        sa.Column("request_id", sa.String(100), nullable=True),
        _at("created_at"),
        sa.UniqueConstraint("audit_record_id", name="uq_dsa_appeals_decision"),
    )
    op.create_index("ix_dsa_appeals_comment_id", "dsa_appeals", ["comment_id"])
    op.create_index(
        "ix_dsa_appeals_site_status_created", "dsa_appeals", ["site_id", "status", "created_at"]
    )
    op.create_table(
        "dsa_history",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("notice_id", _ID, sa.ForeignKey("dsa_notices.id"), nullable=True),
        sa.Column("appeal_id", _ID, sa.ForeignKey("dsa_appeals.id"), nullable=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("decision", sa.String(20), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("actor_type", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("actor_id", _ID, nullable=True),
        _at("created_at"),
    )
    op.create_index("ix_dsa_history_notice_id", "dsa_history", ["notice_id"])
    op.create_index("ix_dsa_history_appeal_id", "dsa_history", ["appeal_id"])
    op.create_index("ix_dsa_history_created_at", "dsa_history", ["created_at"])


def downgrade() -> None:
    op.drop_table("dsa_history")
    op.drop_table("dsa_appeals")
    op.drop_table("dsa_notices")
