"""`moderation sites add|list|set`: sites from the command line, through the same checks as the
admin API (`PATCH /v1/sites/<site>`). Each command prints the site as the admin API shows it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from moderation.config import Settings, SettingsError
from moderation.errors import ConflictError, InvalidRequestError, NotFoundError

if TYPE_CHECKING:
    from moderation.sites.service import SiteChange, SiteService

ACTOR = "cli"
# sites/overrides.py ANONYMOUS, written out so that `moderation --help` and every other command
# do not import the storage layer; the service checks the value again.
ANONYMOUS = ("allow", "premoderate", "off")


def _service(settings: Settings) -> SiteService:
    from moderation.db.session import make_engine, make_session_factory
    from moderation.sites.service import SiteService

    return SiteService(make_session_factory(make_engine(settings.database.url)), settings)


def _print(view: Any) -> None:
    click.echo(json.dumps(view.as_dict(), default=str, indent=2))


def _commenters(text: str | None, secret_stdin: bool) -> dict[str, Any] | None:
    """The --commenters JSON, with the secret read from standard input when asked (so it never
    sits in the shell's history or the process list)."""
    if text is None and not secret_stdin:
        return None
    try:
        commenters = json.loads(text) if text else {}
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"is not JSON: {error}", param_hint="--commenters") from error
    if not isinstance(commenters, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--commenters")
    if secret_stdin:
        commenters["secret"] = sys.stdin.readline().strip()
    return commenters


def _options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--name", default=None, help="The site's name, for people."),
            click.option(
                "--origin",
                "origins",
                multiple=True,
                help="An origin of the pages that embed the widget (repeat for more).",
            ),
            click.option(
                "--anonymous",
                type=click.Choice(ANONYMOUS),
                default=None,
                help="allow, premoderate (held for a person) or off (a commenter token needed).",
            ),
            click.option(
                "--commenters",
                default=None,
                help='Commenter-token settings as JSON, e.g. \'{"algorithms": ["RS256"], '
                '"public_key": "-----BEGIN PUBLIC KEY-----..."}\' (docs/sites.md).',
            ),
            click.option(
                "--secret-stdin",
                is_flag=True,
                help="Read the commenter-token secret (HS256) from standard input.",
            ),
        ]
    ):
        command = option(command)
    return command


def sites_group(settings: Callable[[], Settings]) -> click.Group:
    """The `sites` command group; `settings` loads the settings when a command runs."""

    @click.group("sites")
    def sites() -> None:
        """Sites: their origins, who may post, commenter tokens (docs/sites.md)."""

    def run(action: Callable[[SiteService], Any]) -> None:
        try:
            _print(action(_service(settings())))
        except (InvalidRequestError, ConflictError, NotFoundError, SettingsError) as error:
            field = getattr(error, "field", None)
            raise click.ClickException(f"{field}: {error}" if field else str(error)) from error

    @sites.command("list")
    def list_sites() -> None:
        """Every site, as JSON."""
        service = _service(settings())
        click.echo(json.dumps([site.as_dict() for site in service.all()], default=str, indent=2))

    @sites.command("add")
    @click.argument("site_id")
    @_options
    def add(site_id: str, secret_stdin: bool, commenters: str | None, **given: Any) -> None:
        """Make site SITE_ID; its public paths are /v1/sites/SITE_ID/... at once."""
        change = _change(site_id, given, _commenters(commenters, secret_stdin))
        run(lambda service: service.create(change))

    @sites.command("set")
    @click.argument("site_id")
    @_options
    @click.option("--commenters-off", is_flag=True, help="Take no commenter tokens any more.")
    def set_site(
        site_id: str,
        secret_stdin: bool,
        commenters: str | None,
        commenters_off: bool,
        **given: Any,
    ) -> None:
        """Change what the options name; the rest stays as it is."""
        change = _change(site_id, given, _commenters(commenters, secret_stdin), commenters_off)
        run(lambda service: service.update(change))

    return sites


def _change(
    site_id: str,
    given: dict[str, Any],
    commenters: dict[str, Any] | None,
    commenters_off: bool = False,
) -> SiteChange:
    from moderation.sites.service import SiteChange

    return SiteChange(
        site_id=site_id,
        actor=ACTOR,
        name=given.get("name"),
        origins=list(given["origins"]) if given.get("origins") else None,
        anonymous=given.get("anonymous"),
        commenters=commenters,
        commenters_off=commenters_off,
    )
