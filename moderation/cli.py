"""The `moderation` command: dev, serve, worker, db upgrade, reconcile, score, model info."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn

import click

from moderation.config import PROJECT_ROOT, Settings, SettingsError, load_settings


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

    upgrade(settings.database.url, revision)
    click.echo(f"database at {revision}: {_redact(settings.database.url)}")


@main.command()
@click.option("--workers", default=0, help="gunicorn processes (0: 2 x cores + 1, at most 8)")
def serve(workers: int) -> None:
    """Serve the API with gunicorn (settings in moderation/web/gunicorn_conf.py)."""
    import tempfile

    settings = _settings()
    _needs_real_redis(settings)
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
    """Re-enqueue comments left pending too long; print how many."""
    from moderation.db.session import make_engine, make_session_factory
    from moderation.scoring.queue import RQWorkQueue
    from moderation.scoring.service import ScoringService

    settings = _settings()
    _needs_real_redis(settings)
    from redis import Redis

    sessions = make_session_factory(make_engine(settings.database.url))
    queue = RQWorkQueue(Redis.from_url(settings.redis.url), settings.redis.score_queue)
    requeued = ScoringService(sessions).requeue_stale(
        queue, settings.worker.reconcile_after_seconds, settings.worker.batch_size
    )
    click.echo(json.dumps({"requeued": requeued}))


@main.command()
@click.argument("text")
def score(text: str) -> None:
    """Score TEXT with the rules and the model; print the verdict and every reason."""
    from moderation.pipeline.model import ModelUnavailableError, load_scorer
    from moderation.pipeline.rules import RuleContext, build_rules
    from moderation.pipeline.scoring import ScoringPipeline

    settings = _settings()
    scorer, error = None, None
    try:
        scorer = load_scorer(settings.model)
    except ModelUnavailableError as failure:
        error = str(failure)
    pipeline = ScoringPipeline.from_settings(
        build_rules(settings.rules), scorer, settings.model, error
    )
    verdict = pipeline.score_batch([RuleContext(text)])[0]
    click.echo(
        json.dumps(
            {
                "decision": verdict.decision,
                "reason_code": verdict.public_reason,
                "reasons": verdict.reasons(),
            },
            indent=2,
        )
    )


@main.group()
def model() -> None:
    """The toxicity model."""


@model.command("info")
def model_info() -> None:
    """Load the configured model and print what it is, its labels and load time."""
    from moderation.pipeline.model import ModelUnavailableError, load_scorer

    settings = _settings()
    try:
        scorer = load_scorer(settings.model)
    except ModelUnavailableError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        json.dumps(
            {
                "model": scorer.description,
                "device": scorer.device,
                "labels": list(scorer.labels),
                "window_tokens": scorer.window,
                "load_seconds": round(scorer.load_seconds, 2),
            },
            indent=2,
        )
    )


@main.command()
def dev() -> None:
    """Everything on one machine: embedded Redis, schema, API on :8000 and one worker."""
    from moderation.db.migrate import upgrade
    from moderation.embedded_redis import EmbeddedRedis

    settings = _settings()
    env = dict(os.environ)
    embedded = None
    if settings.redis.url == "embedded":
        embedded = EmbeddedRedis(PROJECT_ROOT / "var" / "redis")
        env["MODERATION_REDIS_URL"] = embedded.start()
    children: list[subprocess.Popen[bytes]] = []
    try:
        upgrade(settings.database.url)
        base = [sys.executable, "-m", "moderation.cli"]
        children.append(subprocess.Popen([*base, "serve", "--workers", "2"], env=env))
        children.append(subprocess.Popen([*base, "worker"], env=env))
        url = f"http://{settings.server.host}:{settings.server.port}"
        click.echo(
            f"\n  API      {url}/v1\n  API docs {url}/docs  (OpenAPI: {url}/openapi.json)\n"
            f"  Demo     {url}/demo  (an article page with the comment widget)\n"
            f"  Ready?   {url}/readyz\n  Database {_redact(settings.database.url)}\n"
            f"  Redis    {env.get('MODERATION_REDIS_URL', settings.redis.url)}\n\n"
            "  Ctrl-C stops everything.\n"
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        raise click.ClickException("a child process exited; stopping the rest")
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if embedded is not None:
            embedded.stop()


def _redact(url: str) -> str:
    from sqlalchemy import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


if __name__ == "__main__":
    main()
