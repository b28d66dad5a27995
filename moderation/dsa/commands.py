"""`moderation dsa transparency`: the transparency report from the command line, as the admin
API gives it (JSON or CSV), for a lawyer's yearly report or a scheduled export."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import click

from moderation.config import Settings


def dsa_group(settings: Callable[[], Settings]) -> click.Group:
    """The `dsa` command group; `settings` loads the settings when a command runs."""

    @click.group("dsa")
    def dsa() -> None:
        """EU Digital Services Act: the transparency report (docs/dsa.md)."""

    @dsa.command("transparency")
    @click.option("--site", "site_id", default=None, help="Site id (default: sites.default)")
    @click.option(
        "--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day"
    )
    @click.option(
        "--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, included"
    )
    @click.option("--format", "form", type=click.Choice(["json", "csv"]), default="json")
    def transparency(site_id: str | None, start: dt.datetime, end: dt.datetime, form: str) -> None:
        """The report of one site for the days --from to --to (UTC), on standard output."""
        from moderation.db.session import make_engine, make_session_factory
        from moderation.dsa.transparency import TransparencyService, as_csv, day_range
        from moderation.sites.service import SiteService

        if end < start:
            raise click.BadParameter("must not be before --from", param_hint="--to")
        loaded = settings()
        site = site_id or loaded.sites.default
        engine = make_engine(loaded.database.url)
        try:
            sessions = make_session_factory(engine)
            if SiteService(sessions, loaded).get(site) is None:
                raise click.BadParameter(f"there is no site {site}", param_hint="--site")
            report = TransparencyService(sessions).report(
                site, *day_range(start.date(), end.date())
            )
        finally:
            engine.dispose()
        click.echo(as_csv(report) if form == "csv" else json.dumps(report, indent=2), nl=False)
        if form == "json":
            click.echo()

    return dsa
