"""Schema migrations (Alembic), run by `moderation db upgrade` and by the test fixtures."""

from __future__ import annotations

from collections.abc import Sequence

from alembic import command
from alembic.config import Config

from moderation.config import PROJECT_ROOT


def alembic_config(
    database_url: str, webhook_secret_keys: Sequence[str] = (), default_site: str = "default"
) -> Config:
    """Alembic's configuration; the keys reach migrations that encrypt or decrypt webhook
    signing secrets (0006) as `config.attributes["webhook_secret_keys"]`, and the default site
    (`sites.default`) the migration that moves rows into it (0007)."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["webhook_secret_keys"] = list(webhook_secret_keys)
    config.attributes["default_site"] = default_site
    return config


def upgrade(
    database_url: str,
    revision: str = "head",
    webhook_secret_keys: Sequence[str] = (),
    default_site: str = "default",
) -> None:
    """Bring the database at `database_url` to `revision` (the latest by default)."""
    command.upgrade(alembic_config(database_url, webhook_secret_keys, default_site), revision)


def downgrade(database_url: str, revision: str, webhook_secret_keys: Sequence[str] = ()) -> None:
    command.downgrade(alembic_config(database_url, webhook_secret_keys), revision)
