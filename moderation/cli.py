"""The `moderation` command: dev, serve, worker, db upgrade, users, sites, webhook keys, reconcile,
score, model info, model train and trained."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from moderation.accounts.cli import users_group
from moderation.config import PROJECT_ROOT, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from moderation.policies.report import PolicyReports
    from moderation.policies.service import PolicyService


def _settings(**overrides: Any) -> Settings:
    try:
        settings = load_settings(overrides=overrides or None)
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    from moderation.observability import logging_setup

    chosen = click.get_current_context().find_root().params.get("log_level")
    logging_setup.configure(settings.logging.format, chosen or settings.logging.level)
    return settings


def _needs_real_redis(settings: Settings) -> None:
    if settings.redis.url == "embedded":
        raise click.ClickException(
            "MODERATION_REDIS_URL=embedded only works with `moderation dev`, which starts the "
            "embedded server; give serve and worker a redis:// or unix:// URL"
        )


def _needs_webhook_keys(settings: Settings) -> None:
    """The API and every process that delivers webhooks refuse to start without a key for the
    signing secrets (secrets.py); say so before starting anything."""
    from moderation.secrets import SecretBox

    try:
        SecretBox(settings.webhooks.secret_keys)
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


@click.group()
@click.option("--log-level", default=None, help="DEBUG, INFO, ... (default: [logging] level)")
def main(log_level: str | None) -> None:
    """Comment moderation service."""
    logging.basicConfig(
        level=(log_level or "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    settings = _settings()
    from moderation.db.migrate import upgrade

    upgrade(settings.database.url, revision, settings.webhooks.secret_keys, settings.sites.default)
    click.echo(f"database at {revision}: {_redact(settings.database.url)}")


main.add_command(users_group(_settings))


@main.group()
def webhooks() -> None:
    """Webhook signing secrets: their encryption keys."""


@webhooks.command("generate-key")
def webhooks_generate_key() -> None:
    """Print a new key for MODERATION_WEBHOOKS_SECRET_KEYS."""
    from moderation.secrets import generate_key

    click.echo(generate_key())


@webhooks.command("reencrypt")
def webhooks_reencrypt() -> None:
    """Encrypt every stored secret again under the first of webhooks.secret_keys: webhook
    signing secrets and sites' commenter-token secrets."""
    from moderation.db.session import make_engine, make_session_factory
    from moderation.secrets import SecretBox, SecretKeyError
    from moderation.sites.service import SiteService
    from moderation.webhooks.subscriptions import WebhookService

    settings = _settings()
    try:
        sessions = make_session_factory(make_engine(settings.database.url))
        box = SecretBox(settings.webhooks.secret_keys)
        resealed = SiteService(sessions, settings).reencrypt_secrets(box)
        resealed += WebhookService(sessions, settings.webhooks).reencrypt_secrets()
    except (SettingsError, SecretKeyError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps({"reencrypted": resealed}))


@main.command()
@click.option("--workers", default=0, help="gunicorn processes (0: 2 x cores + 1, at most 8)")
def serve(workers: int) -> None:
    """Serve the API with gunicorn (settings in moderation/web/gunicorn_conf.py)."""
    import tempfile

    settings = _settings()
    _needs_real_redis(settings)
    _needs_webhook_keys(settings)
    # Every gunicorn process writes its metrics here and /metrics adds them up; the folder
    # must exist before any process imports prometheus_client.
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="moderation-metrics-")
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    count = ["--workers", str(workers)] if workers else []
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:moderation.web.gunicorn_conf",
            "--bind",
            f"{settings.server.host}:{settings.server.port}",
            *count,
            "moderation.app:wsgi()",
        ],
    )


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run a scoring worker (loads the model once, then takes jobs)."""
    _single_process_metrics()
    from moderation.worker.runner import run_worker

    settings = _settings()
    _needs_real_redis(settings)
    if settings.webhooks.serve_in_worker:
        _needs_webhook_keys(settings)
    _serve_worker_metrics(settings)
    _end_after(lambda: run_worker(settings, burst=burst))


@main.command("webhook-worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def webhook_worker(burst: bool) -> None:
    """Run a worker that only delivers webhooks (no model loaded)."""
    _single_process_metrics()
    from moderation.webhooks.runner import run_webhook_worker

    settings = _settings()
    _needs_real_redis(settings)
    _needs_webhook_keys(settings)
    _serve_worker_metrics(settings)
    _end_after(lambda: run_webhook_worker(settings, burst=burst))


def _end_after(run: Callable[[], object]) -> NoReturn:
    """Run a worker, then end the process at once: the worker has given its claims back and
    stopped its threads, and the interpreter's own teardown of torch and transformers would
    add seconds (4 s measured on 2 busy cores) to a shutdown that must fit a grace period."""
    code = 0
    try:
        run()
    except SystemExit as stop:  # RQ's cold shutdown outside a job
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except BaseException:
        logging.getLogger(__name__).exception("the worker failed")
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _single_process_metrics() -> None:
    # A worker serves its own /metrics from memory. PROMETHEUS_MULTIPROC_DIR is for gunicorn's
    # processes; inherited here (one env file for every role) it would make prometheus_client
    # write files for this process, or fail at import when the folder does not exist.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def _serve_worker_metrics(settings: Settings) -> None:
    from moderation.observability.metrics import serve_worker_metrics

    if serve_worker_metrics(settings.worker.metrics_port):
        logging.getLogger(__name__).info(
            "worker metrics on :%s/metrics", settings.worker.metrics_port
        )


@main.command()
def scheduler() -> None:
    """Enqueue the reconcile job on schedule (RQ's cron scheduler); one per deployment."""
    from moderation.worker.schedule import run_scheduler

    settings = _settings()
    _needs_real_redis(settings)
    run_scheduler(settings)


@main.command()
@click.argument(
    "role", type=click.Choice(["web", "worker", "webhook-worker", "scheduler", "migrate"])
)
def healthcheck(role: str) -> None:
    """Exit 0 if this host's ROLE process is alive (for container health checks), else 1."""
    from moderation.worker.healthcheck import check

    healthy, why = check(role, _settings())
    click.echo(("healthy: " if healthy else "unhealthy: ") + why)
    sys.exit(0 if healthy else 1)


@main.command()
def reconcile() -> None:
    """Re-enqueue comments left pending too long and end the surges that cooled down; print
    how many of each."""
    from moderation.db.session import make_engine, make_session_factory
    from moderation.scoring.queue import RQWorkQueue
    from moderation.scoring.service import ScoringService
    from moderation.surge.service import SurgeService

    settings = _settings()
    _needs_real_redis(settings)
    from redis import Redis

    sessions = make_session_factory(make_engine(settings.database.url))
    queue = RQWorkQueue(Redis.from_url(settings.redis.url), settings.redis.score_queue)
    requeued = ScoringService(sessions).requeue_stale(
        queue, settings.worker.reconcile_after_seconds, settings.worker.batch_size
    )
    # Their events wait in the outbox for the webhook reconcile of a running process.
    ended = SurgeService(sessions, settings.surge).end_cooled()
    click.echo(json.dumps({"requeued": requeued, "surges_ended": ended}))


@main.command()
@click.argument("text")
def score(text: str) -> None:
    """Score TEXT with the rules and the model of its language; print the verdict and reasons."""
    from moderation.pipeline.routing import load_router
    from moderation.pipeline.rules import RuleContext, build_rules
    from moderation.pipeline.scoring import ScoringPipeline

    settings = _settings()
    pipeline = ScoringPipeline.routed(build_rules(settings.rules), load_router(settings.model))
    verdict = pipeline.score_batch([RuleContext(text)])[0]
    click.echo(
        json.dumps(
            {
                "decision": verdict.decision,
                "reason_code": verdict.public_reason,
                "language": verdict.language.to_dict() if verdict.language else None,
                "model": None if verdict.unsupported_language else verdict.model_description,
                "reasons": verdict.reasons(),
            },
            indent=2,
        )
    )


def _sites_group() -> click.Group:
    from moderation.sites.commands import sites_group

    return sites_group(_settings)


main.add_command(_sites_group())


def _dsa_group() -> click.Group:
    from moderation.dsa.commands import dsa_group

    return dsa_group(_settings)


main.add_command(_dsa_group())


def _privacy_group() -> click.Group:
    from moderation.privacy.commands import privacy_group

    return privacy_group(_settings)


main.add_command(_privacy_group())


def _comments_group() -> click.Group:
    from moderation.transfer.commands import comments_group

    return comments_group(_settings)


main.add_command(_comments_group())


def _policy_services(settings: Settings) -> tuple[PolicyService, PolicyReports]:
    """The policy service and its reports, with Perspective feedback for calibration."""
    from moderation.db.session import make_engine, make_session_factory
    from moderation.perspective.feedback import FeedbackService
    from moderation.policies.report import PolicyReports
    from moderation.policies.service import PolicyService
    from moderation.sites.service import SiteService

    sessions = make_session_factory(make_engine(settings.database.url))
    sites = SiteService(sessions, settings)
    policies = PolicyService(sessions, settings, sites)
    feedback = FeedbackService(sessions).labelled_pairs
    return policies, PolicyReports(sessions, sites, policies, feedback)


def _policies_group() -> click.Group:
    from moderation.policies.commands import policies_group

    return policies_group(_settings, _policy_services)


main.add_command(_policies_group())


@main.group()
def model() -> None:
    """The toxicity model."""


@model.command("info")
def model_info() -> None:
    """Load the configured models; print what each is, its labels, and who serves which language."""
    from moderation.pipeline.model import ModelUnavailableError, load_scorer
    from moderation.pipeline.routing import load_router

    settings = _settings()
    try:
        scorer = load_scorer(settings.model)
    except ModelUnavailableError as error:
        raise click.ClickException(str(error)) from error
    router = load_router(settings.model, scorer)
    click.echo(
        json.dumps(
            {
                "model": scorer.description,
                "device": scorer.device,
                "labels": list(scorer.labels),
                "window_tokens": scorer.window,
                "load_seconds": round(scorer.load_seconds, 2),
                "languages": {
                    code: route.model.description
                    if route.model.scorer
                    else f"not loaded: {route.model.error}"
                    for code, route in sorted(router.routes.items())
                },
                "unsupported_languages": settings.model.unsupported_language,
            },
            indent=2,
        )
    )


def _learning_commands() -> None:
    from moderation.learning.commands import add_model_commands

    add_model_commands(model, _settings)


_learning_commands()


@main.command("webhook-receiver")
@click.option("--port", type=int, default=9000, show_default=True)
@click.option("--secret", default=None, help="The endpoint's whsec_ secret, to check signatures.")
@click.option("--count", type=int, default=0, help="Exit after this many events (0: never).")
def webhook_receiver(port: int, secret: str | None, count: int) -> None:
    """A local receiver that prints each webhook event it gets (for trying webhooks out)."""
    from moderation.webhooks.receiver import serve

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it ends
        serve(port, secret, lambda line: click.echo(line), count)


@main.command()
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "var",
    show_default=True,
    help="Where the embedded Redis keeps its socket and log.",
)
def dev(state_dir: Path) -> None:
    """Everything on one machine: embedded Redis, schema, API on :8000 and one worker.

    The children run in sessions of their own, so Ctrl-C in the terminal reaches this process
    only; it stops them in order (web, then the worker, then Redis), one line each. SIGTERM
    does the same. A second Ctrl-C or SIGTERM while stopping kills what is left at once.
    """
    from moderation.db.migrate import upgrade
    from moderation.embedded_redis import EmbeddedRedis

    settings = _settings()
    env = dict(os.environ)
    stop = _StopSignals()
    keys = settings.webhooks.secret_keys or [_dev_webhook_key(state_dir)]
    env["MODERATION_WEBHOOKS_SECRET_KEYS"] = ",".join(keys)
    embedded = None
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        if settings.redis.url == "embedded":
            embedded = EmbeddedRedis(state_dir / "redis")
            env["MODERATION_REDIS_URL"] = embedded.start()
        upgrade(
            settings.database.url, webhook_secret_keys=keys, default_site=settings.sites.default
        )
        base = [sys.executable, "-m", "moderation.cli"]
        for name, args in (("web", ["serve", "--workers", "2"]), ("worker", ["worker"])):
            child = subprocess.Popen([*base, *args], env=env, start_new_session=True)
            children.append((name, child))
        click.echo(_dev_banner(settings, env.get("MODERATION_REDIS_URL", settings.redis.url)))
        while not stop.requested and all(child.poll() is None for _, child in children):
            time.sleep(0.2)
        if not stop.requested:
            raise click.ClickException("a child process exited; stopping the rest")
    finally:
        _stop_in_order(children, embedded, stop, settings.worker.shutdown_grace_seconds)


class _StopSignals:
    """Turns SIGINT and SIGTERM into a request to stop; the second one asks for haste."""

    def __init__(self) -> None:
        self.count = 0
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, _signum: int, _frame: object) -> None:
        self.count += 1

    @property
    def requested(self) -> bool:
        return self.count > 0

    @property
    def hurried(self) -> bool:
        return self.count > 1


def _stop_in_order(
    children: list[tuple[str, subprocess.Popen[bytes]]],
    embedded: Any,
    stop: _StopSignals,
    worker_grace: float,
) -> None:
    """SIGTERM each child and wait for it before the next; Redis goes last."""
    hurry_from = stop.count
    for name, child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        # The worker finishes its batch and gives its claims back within its own grace.
        deadline = time.monotonic() + (worker_grace + 5 if name == "worker" else 15)
        while child.poll() is None and time.monotonic() < deadline:
            if stop.count > max(hurry_from, 1):
                break
            time.sleep(0.1)
        if child.poll() is None:
            child.kill()
            child.wait()
            click.echo(f"stopped {name} (killed)")
        else:
            click.echo(f"stopped {name} (exit {child.returncode})")
    if embedded is not None:
        embedded.stop()
        click.echo("stopped redis")


def _dev_banner(settings: Settings, redis_url: str) -> str:
    """What a newcomer needs after `make run`: where things are, and the dev credentials."""
    url = f"http://{settings.server.host}:{settings.server.port}"
    lines = [
        "",
        f"  API        {url}/v1",
        f"  API docs   {url}/docs  (OpenAPI: {url}/openapi.json)",
        f"  Demo       {url}/demo  (an article page with the comment widget)",
        f"  Review     {url}/review  (the moderators' page)",
        f"  Ready?     {url}/readyz",
        f"  Database   {_redact(settings.database.url)}",
        f"  Redis      {redis_url}",
    ]
    credentials = (
        ("Moderator token", settings.auth.moderator_tokens),
        ("Admin token", settings.auth.admin_tokens),
        ("Perspective API key", settings.perspective.api_keys),
    )
    for label, entries in credentials:
        if entries:
            lines.append(f"  {label:<20}{_secret_of(entries[0])}")
    lines += ["", "  Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def _secret_of(entry: str) -> str:
    """The secret part of a `name:secret` token or a `name:key:rps` API key entry."""
    parts = entry.split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _dev_webhook_key(folder: Path) -> str:
    """The key `moderation dev` encrypts webhook secrets with when none is configured: made
    once and kept in `folder`, beside the SQLite database and the embedded Redis, so secrets
    stored by one `make run` still open in the next. Never used by serve or the workers."""
    from moderation.secrets import generate_key

    path = folder / "webhook-secret.key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # Readable by its owner only, like any file that holds a key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(generate_key() + "\n")
    return path.read_text(encoding="ascii").strip()


def _redact(url: str) -> str:
    from sqlalchemy import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


if __name__ == "__main__":
    main()
