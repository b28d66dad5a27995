"""moderators' workbench: queue order and report columns on comments, claims, authors,
reader reports, bulk operations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 13:05:00.000000
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('severity', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('priority', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('rule_ids', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('report_weight', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('hidden', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_comments_status_priority', ['status', 'priority', 'id'], unique=False)
    # Existing comments get their queue columns from their verdicts (the formula of
    # moderation/services/priority.py as it stood in this revision).
    comments = sa.table('comments', sa.column('id', Id), sa.column('created_at', Stamp),
                        sa.column('verdict', sa.JSON()), sa.column('severity', sa.Float()),
                        sa.column('priority', sa.Float()), sa.column('rule_ids', sa.String()))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(comments.c.id, comments.c.created_at, comments.c.verdict)).all()
    for row in rows:
        severity, rule_ids = _queue_columns(row.verdict)
        created = row.created_at
        if created.tzinfo is None:  # SQLite hands back naive UTC
            created = created.replace(tzinfo=dt.timezone.utc)
        connection.execute(comments.update().where(comments.c.id == row.id).values(
            severity=severity, priority=severity - created.timestamp() / 86400.0,
            rule_ids=rule_ids))

    op.create_table('review_claims',
    sa.Column('comment_id', Id, nullable=False),
    sa.Column('moderator', sa.String(length=200), nullable=False),
    sa.Column('claimed_at', Stamp, nullable=False),
    sa.Column('expires_at', Stamp, nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], ),
    sa.PrimaryKeyConstraint('comment_id'),
    )
    op.create_index('ix_review_claims_expires_at', 'review_claims', ['expires_at'])

    op.create_table('authors',
    sa.Column('author_id', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('updated_by', sa.String(length=200), nullable=True),
    sa.Column('updated_at', Stamp, nullable=False),
    sa.PrimaryKeyConstraint('author_id'),
    )

    op.create_table('author_actions',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('author_id', sa.String(length=200), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('comments_rejected', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', Stamp, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_author_actions_author_id', 'author_actions', ['author_id'])

    op.create_table('readers',
    sa.Column('reader_id', sa.String(length=200), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('upheld', sa.Integer(), nullable=False),
    sa.Column('dismissed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('reader_id'),
    )

    op.create_table('reader_reports',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('comment_id', Id, nullable=False),
    sa.Column('reader_id', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=50), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('decided_version', sa.Integer(), nullable=True),
    sa.Column('created_at', Stamp, nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('comment_id', 'reader_id', name='uq_reader_reports_comment_reader'),
    )
    op.create_index('ix_reader_reports_reader_id', 'reader_reports', ['reader_id'])

    op.create_table('bulk_operations',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('moderator', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason_code', sa.String(length=50), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('selection', sa.JSON(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('request_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', Stamp, nullable=False),
    sa.Column('finished_at', Stamp, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_bulk_operations_created', 'bulk_operations', ['created_at'])


def _queue_columns(verdict: dict | None) -> tuple[float, str]:
    reasons = (verdict or {}).get('reasons', [])
    top = max((float(r.get('score') or 0.0) for r in reasons if r.get('kind') == 'model'),
              default=0.0)
    points = sum({'reject': 1.0, 'hold': 0.5}.get(r.get('action'), 0.0) for r in reasons
                 if r.get('kind') == 'rule' or r.get('id') == 'model_unavailable')
    ids = sorted({str(r['id']) for r in reasons if r.get('kind') == 'rule'})
    return round(top + points, 6), (',' + ','.join(ids) + ',' if ids else '')[:500]


def downgrade() -> None:
    op.drop_index('ix_bulk_operations_created', table_name='bulk_operations')
    op.drop_table('bulk_operations')
    op.drop_index('ix_reader_reports_reader_id', table_name='reader_reports')
    op.drop_table('reader_reports')
    op.drop_table('readers')
    op.drop_index('ix_author_actions_author_id', table_name='author_actions')
    op.drop_table('author_actions')
    op.drop_table('authors')
    op.drop_index('ix_review_claims_expires_at', table_name='review_claims')
    op.drop_table('review_claims')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_status_priority')
        batch_op.drop_column('hidden')
        batch_op.drop_column('report_weight')
        batch_op.drop_column('rule_ids')
        batch_op.drop_column('priority')
        batch_op.drop_column('severity')
