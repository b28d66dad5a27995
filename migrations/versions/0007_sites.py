"""sites: every article, comment, author and reader belongs to one; rows so far to the default

Revision ID: 0007
Revises: 0006

Creates `sites` with the default site's row (`sites.default`, "default" unless configured, passed
by `moderation db upgrade` in `config.attributes["default_site"]`), and a `site_id` on the
tables whose rows belong to a site. Existing rows get the default site. An author's standing,
an article's settings and a reader's weight become per site, so their primary keys gain it;
webhook endpoints get a nullable `site_id` (none: every site's events).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Tables whose key gains the site: (table, the old key column).
_REKEYED = (("authors", "author_id"), ("article_settings", "article_id"), ("readers", "reader_id"))
_TAGGED = ("comments", "author_actions", "score_feedback")


def _default_site() -> str:
    return str(context.config.attributes.get("default_site") or "default")


def upgrade() -> None:
    default = _default_site()
    sites = op.create_table(
        "sites",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("origins", sa.JSON(), nullable=False),
        sa.Column("anonymous", sa.String(length=20), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("commenters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        sites,
        [
            {
                "id": default,
                "name": "Default site",
                "origins": [],
                "anonymous": "allow",
                "settings": {},
                "words": {},
                "commenters": {},
                "created_at": now,
                "updated_at": now,
                "updated_by": "migration 0007",
            }
        ],
    )

    def site_column() -> sa.Column[str]:
        return sa.Column("site_id", sa.String(length=64), nullable=False, server_default=default)

    for table in _TAGGED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(site_column())
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("site_id", sa.String(length=64), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, key in _REKEYED:
        if postgres:
            op.add_column(table, site_column())
            op.drop_constraint(f"{table}_pkey", table, type_="primary")
            op.create_primary_key(f"{table}_pkey", table, ["site_id", key])
        else:
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.add_column(site_column())
                batch.create_primary_key(f"{table}_pkey", ["site_id", key])
    with op.batch_alter_table("comments") as batch:
        batch.drop_index("ix_comments_article_status_created")
        batch.create_index(
            "ix_comments_site_article_status_created",
            ["site_id", "article_id", "status", "created_at", "id"],
        )
    with op.batch_alter_table("author_actions") as batch:
        batch.create_index("ix_author_actions_site_author", ["site_id", "author_id"])


def downgrade() -> None:
    with op.batch_alter_table("author_actions") as batch:
        batch.drop_index("ix_author_actions_site_author")
    with op.batch_alter_table("comments") as batch:
        batch.drop_index("ix_comments_site_article_status_created")
        batch.create_index(
            "ix_comments_article_status_created", ["article_id", "status", "created_at", "id"]
        )
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, key in _REKEYED:
        if postgres:
            op.drop_constraint(f"{table}_pkey", table, type_="primary")
            op.drop_column(table, "site_id")
            op.create_primary_key(f"{table}_pkey", table, [key])
        else:
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.drop_column("site_id")
                batch.create_primary_key(f"{table}_pkey", [key])
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("site_id")
    for table in _TAGGED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("site_id")
    op.drop_table("sites")
