"""The example Varnish configuration (docker/varnish.vcl, docs/operations.md "CDN") in front of
the service under gunicorn, on a real varnishd: the thread is served from Varnish's cache, a
change stays unseen there for s-maxage, and the purge the outbox sends makes the next read
fresh. Debian's `varnish` package provides varnishd (.ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from moderation.app import create_app
from moderation.review.service import Decision, ReviewService
from moderation.web.context import service_of
from moderation.webhooks.jobs import WebhookRuntime
from tests.support.database import empty_state
from tests.support.live import LiveService, free_port
from tests.support.settings import make_settings, model_files, service_env

VCL = Path(__file__).resolve().parents[2] / "docker" / "varnish.vcl"
pytestmark = pytest.mark.skipif(
    shutil.which("varnishd") is None, reason="varnishd is not installed (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def stack(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    empty_state(database_url, redis_url)
    folder = tmp_path_factory.mktemp("varnish")
    varnish_port = free_port()
    purge_url = f"http://127.0.0.1:{varnish_port}/.surrogate/{{key}}"
    reads = {"s_maxage": "600", "purge_url": purge_url}
    env = service_env(
        database_url,
        redis_url,
        model_files(tiny_model),
        **{f"MODERATION_READS_{name.upper()}": value for name, value in reads.items()},
    )
    live = LiveService(env, folder / "logs").start_web()
    vcl = folder / "moderation.vcl"
    vcl.write_text(VCL.read_text().replace('.port = "8000"', f'.port = "{live.port}"'))
    command = ["varnishd", "-F", "-j", "none", "-n", str(folder / "work"), "-f", str(vcl)]
    command += ["-a", f"127.0.0.1:{varnish_port}", "-s", "malloc,32m"]
    varnish = subprocess.Popen(
        command,
        stdout=(folder / "varnishd.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{varnish_port}"
    try:
        _wait_for(base, varnish, folder)
        settings = make_settings(
            database_url, redis_url, tiny_model, reads={"s_maxage": 600, "purge_url": purge_url}
        )
        yield {"base": base, "api": live.base_url, "settings": settings}
    finally:
        varnish.terminate()
        varnish.wait(timeout=20)
        live.stop()


def _wait_for(base: str, varnish: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if varnish.poll() is not None:
            raise RuntimeError((folder / "varnishd.log").read_text(errors="replace"))
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("varnishd did not answer")


def publish(api: str, app: Any, text: str) -> None:
    body = {"author": {"id": "r1", "name": "Reader"}, "text": text}
    answer = requests.post(f"{api}/v1/articles/story/comments", json=body, timeout=10)
    comment_id = answer.json()["id"]
    review = service_of(app, ReviewService)
    version = review.detail(comment_id).comment.version
    review.decide(Decision(comment_id, "approve", version, "test-moderator"))


def read(base: str) -> tuple[list[str], requests.Response]:
    answer = requests.get(f"{base}/v1/articles/story/comments", timeout=10)
    assert answer.status_code == 200
    return [comment["text"] for comment in answer.json()["comments"]], answer


def test_a_purge_by_key_makes_the_next_read_fresh(stack: dict[str, Any]) -> None:
    base, api, settings = stack["base"], stack["api"], stack["settings"]
    app = create_app(settings)
    runtime = WebhookRuntime.build(settings)
    publish(api, app, "First.")
    runtime.fan_out.fan_out()
    runtime.purges.send_due()

    texts, answer = read(base)
    assert texts == ["First."] and answer.headers["X-Cache"] == "MISS"
    assert "Surrogate-Key" not in answer.headers  # kept from browsers by the VCL
    texts, answer = read(base)
    assert texts == ["First."] and answer.headers["X-Cache"] == "HIT"

    publish(api, app, "Second.")
    assert read(api)[0] == ["First.", "Second."]  # the service itself is fresh at once
    texts, answer = read(base)
    assert texts == ["First."] and answer.headers["X-Cache"] == "HIT"  # Varnish holds it

    assert runtime.fan_out.fan_out().purges == 1  # from the outbox
    assert runtime.purges.send_due().sent == 1
    texts, answer = read(base)
    assert texts == ["First.", "Second."] and answer.headers["X-Cache"] == "MISS"


def test_a_conditional_read_through_varnish_is_a_304(stack: dict[str, Any]) -> None:
    base = stack["base"]
    _, answer = read(base)
    again = requests.get(
        f"{base}/v1/articles/story/comments",
        headers={"If-None-Match": answer.headers["ETag"]},
        timeout=10,
    )
    assert again.status_code == 304


def test_purging_is_for_purgers_and_named_keys(stack: dict[str, Any]) -> None:
    refused = requests.request("PURGE", f"{stack['base']}/.surrogate/NOT A KEY", timeout=10)
    assert refused.status_code == 400
