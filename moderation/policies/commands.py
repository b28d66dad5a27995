"""`moderation policies ...`: a site's policy versions from the command line, through the same
service and checks as the admin API (/v1/sites/<site>/policies). Output is JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from moderation.config import Settings, SettingsError
from moderation.errors import ConflictError, InvalidRequestError, NotFoundError

if TYPE_CHECKING:
    from moderation.policies.report import PolicyReports
    from moderation.policies.service import PolicyService

ACTOR = "cli"


Build = Callable[[Settings], tuple["PolicyService", "PolicyReports"]]


def policies_group(settings: Callable[[], Settings], build: Build) -> click.Group:
    """The `policies` command group; `settings` loads the settings when a command runs and
    `build` makes the services (cli.py, which may know the Perspective feedback)."""

    @click.group("policies")
    def policies() -> None:
        """A site's policy as versions: candidates, shadows, promotion (docs/policies.md)."""

    def run(action: Callable[[PolicyService, PolicyReports], Any]) -> None:
        try:
            found = action(*build(settings()))
        except (InvalidRequestError, ConflictError, NotFoundError, SettingsError) as error:
            field = getattr(error, "field", None)
            raise click.ClickException(f"{field}: {error}" if field else str(error)) from error
        if dataclasses.is_dataclass(found) and not isinstance(found, type):
            found = dataclasses.asdict(found)
        click.echo(json.dumps(found, default=str, indent=2))

    _reads(policies, run)
    _acts(policies, run)
    return policies


Run = Callable[[Callable[["PolicyService", "PolicyReports"], Any]], None]


def _reads(policies: click.Group, run: Run) -> None:
    """The commands that change nothing."""

    @policies.command("list")
    @click.argument("site_id")
    def list_versions(site_id: str) -> None:
        """Every version of SITE_ID's policy with its diff, and the audit."""
        run(lambda service, _: service.history(site_id))

    @policies.command("show")
    @click.argument("site_id")
    @click.argument("version", type=int)
    def show(site_id: str, version: int) -> None:
        """One version, with its diff against the live one."""
        run(lambda service, _: service.show(site_id, version))

    @policies.command("report")
    @click.argument("site_id")
    @click.option("--version", type=int, default=None, help="Default: the shadow now.")
    def report(site_id: str, version: int | None) -> None:
        """Live against a candidate against people's decisions."""
        run(lambda _, reports: reports.shadow_report(site_id, version))


def _acts(policies: click.Group, run: Run) -> None:
    """The audited acts."""
    reason = click.option("--reason", required=True, help="Why: kept in the policy's audit.")

    @policies.command("candidate")
    @click.argument("site_id")
    @click.argument("document", type=click.File())
    @reason
    @click.option("--no-shadow", is_flag=True, help="Do not score it in the shadows yet.")
    def candidate(site_id: str, document: Any, reason: str, no_shadow: bool) -> None:
        """A candidate from a JSON policy document (a file, or - for standard input)."""
        try:
            loaded = json.load(document)
        except json.JSONDecodeError as error:
            raise click.BadParameter(f"is not JSON: {error}", param_hint="DOCUMENT") from error
        run(
            lambda service, _: service.create_candidate(
                site_id, loaded, reason, ACTOR, shadow=not no_shadow
            )
        )

    @policies.command("promote")
    @click.argument("site_id")
    @click.argument("version", type=int)
    @reason
    def promote(site_id: str, version: int, reason: str) -> None:
        """Make VERSION live."""
        run(lambda service, _: service.promote(site_id, version, reason, ACTOR))

    @policies.command("rollback")
    @click.argument("site_id")
    @click.argument("version", type=int)
    @reason
    def rollback(site_id: str, version: int, reason: str) -> None:
        """Make an earlier VERSION live again."""
        run(lambda service, _: service.rollback(site_id, version, reason, ACTOR))

    @policies.command("shadow")
    @click.argument("site_id")
    @click.argument("version")
    @reason
    def shadow(site_id: str, version: str, reason: str) -> None:
        """Score VERSION in the shadows ("none": stop)."""
        wanted = None if version == "none" else int(version)
        run(lambda service, _: service.shadow(site_id, wanted, reason, ACTOR))

    @policies.command("calibrate")
    @click.argument("site_id")
    @click.option("--reject-precision", type=float, default=0.98, show_default=True)
    @click.option("--hold-recall", type=float, default=0.9, show_default=True)
    @click.option("--min-examples", type=int, default=20, show_default=True)
    @click.option("--create", is_flag=True, help="Make the suggestion a shadowed candidate.")
    def calibrate(
        site_id: str, reject_precision: float, hold_recall: float, min_examples: int, create: bool
    ) -> None:
        """Suggest hold and reject levels per label from people's decisions."""
        from moderation.policies.calibration import Targets

        targets = Targets(reject_precision, hold_recall, min_examples)
        run(lambda _, reports: reports.calibrate(site_id, targets, ACTOR, create_candidate=create))
