"""An app whose page cache keeps pages for minutes, so only an article's version makes one fresh
(the thread-cache and `since` tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moderation.app import create_app
from tests.support.settings import WIDGET_HOST_ORIGIN, make_settings


def long_cached_app(database_url: str, redis_url: str, tiny_model: tuple[Path, Path]) -> Any:
    """Pages cached for 10 minutes; one verified report hides a comment."""
    settings = make_settings(
        database_url,
        redis_url,
        tiny_model,
        reads={"cache_seconds": 600.0, "max_age": 7, "s_maxage": 60, "stale_while_revalidate": 9},
        review={"report_threshold": 0.5, "hide_threshold": 0.5, "hide_min_verified_readers": 1},
        web={"allowed_origins": [WIDGET_HOST_ORIGIN]},
    )
    application = create_app(settings)
    application.config["TESTING"] = True
    return application
