"""webhook signing secrets encrypted at rest (Fernet tokens in place of the secrets)

Revision ID: 0006
Revises: 0005

The keys come from `webhooks.secret_keys`, which `moderation db upgrade` (and `moderation dev`)
pass in `config.attributes["webhook_secret_keys"]`. Secrets stored in clear are encrypted under
the first key. Without a key the upgrade goes through only when no secret is stored in clear (a
new database, or no endpoint yet); otherwise it stops before changing anything and says which
setting to give, because the service would refuse to start without the key anyway.

This migration uses `cryptography` directly, not moderation.webhooks.encryption, so that later
changes to the service's code do not change what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import sqlalchemy as sa
from alembic import context, op
from cryptography.fernet import Fernet, MultiFernet

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_CLEAR_PREFIX = "whsec_"
_ENDPOINTS = sa.table(
    "webhook_endpoints",
    sa.column("id", sa.BigInteger),
    sa.column("secret", sa.String),
    sa.column("previous_secret", sa.String),
)


def _keys() -> MultiFernet | None:
    keys = context.config.attributes.get("webhook_secret_keys") or ()
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys]) if keys else None


def _rows() -> list[sa.Row]:
    return list(op.get_bind().execute(sa.select(_ENDPOINTS).order_by(_ENDPOINTS.c.id)))


def _refuse(what: str, count: int) -> NoReturn:
    raise RuntimeError(
        f"webhook_endpoints has signing secrets {what} (endpoints: {count}) and no key was "
        "given: set "
        "webhooks.secret_keys (MODERATION_WEBHOOKS_SECRET_KEYS) to a key from `moderation "
        "webhooks generate-key` (the same keys every process gets), then run `moderation db "
        "upgrade` again. Nothing was changed."
    )


def _sealed(value: str | None) -> bool:
    return bool(value) and not str(value).startswith(_CLEAR_PREFIX)


def _change(rows: list[sa.Row], convert: Callable[[str], str]) -> None:
    for row in rows:
        values = {
            name: convert(getattr(row, name))
            for name in ("secret", "previous_secret")
            if getattr(row, name)
        }
        op.get_bind().execute(
            sa.update(_ENDPOINTS).where(_ENDPOINTS.c.id == row.id).values(**values)
        )


def upgrade() -> None:
    keys = _keys()
    rows = _rows()
    in_clear = [
        row
        for row in rows
        if row.secret.startswith(_CLEAR_PREFIX)
        or (row.previous_secret or "").startswith(_CLEAR_PREFIX)
    ]
    # Checked before any change: SQLite's ALTER is not undone when a later step fails.
    if in_clear and keys is None:
        _refuse("in clear", len(in_clear))
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column("secret", type_=sa.String(500), existing_nullable=False)
        batch.alter_column("previous_secret", type_=sa.String(500), existing_nullable=True)
    if keys is not None:
        _change(
            in_clear,
            lambda value: (
                keys.encrypt(value.encode()).decode("ascii")
                if value.startswith(_CLEAR_PREFIX)
                else value
            ),
        )


def downgrade() -> None:
    keys = _keys()
    rows = _rows()
    sealed = [row for row in rows if _sealed(row.secret) or _sealed(row.previous_secret)]
    if sealed and keys is None:
        _refuse("encrypted", len(sealed))
    if keys is not None:
        _change(
            sealed,
            lambda value: (
                value
                if value.startswith(_CLEAR_PREFIX)
                else keys.decrypt(value.encode("ascii")).decode()
            ),
        )
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.alter_column("secret", type_=sa.String(100), existing_nullable=False)
        batch.alter_column("previous_secret", type_=sa.String(100), existing_nullable=True)
