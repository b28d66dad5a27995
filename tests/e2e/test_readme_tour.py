"""The README's tour, run as written against a live service: if an example stops working, this
fails, so the README cannot rot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderation.config import PROJECT_ROOT
from tests.support.live import free_port, running_service
from tests.support.settings import ADMIN_TOKEN, MODERATOR_TOKEN

pytestmark = pytest.mark.e2e

KEY = "tour-key-0123456789abcdef"


def tour_script(readme: str) -> str:
    """The shell blocks between the README's tour markers, in order."""
    section = readme.split("<!-- tour -->", 1)[1].split("<!-- /tour -->", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) >= 5, "the README's tour lost its shell blocks"
    return "\n".join(blocks)


@pytest.fixture(scope="module")
def tour_service(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """What `make run` gives: a key, and webhook endpoints allowed on this machine."""
    yield from running_service(
        database_url,
        redis_url,
        tiny_model,
        tmp_path_factory.mktemp("tour-logs"),
        MODERATION_API_KEYS=f"dev:{KEY}",
        MODERATION_WEBHOOKS_ALLOW_PRIVATE="true",
    )


def test_the_readme_tour_runs_top_to_bottom(tour_service: Any) -> None:
    port = free_port()
    script = tour_script((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    script = script.replace("9000", str(port))  # a free port for the tour's receiver
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "BASE": tour_service.base_url,
        "TOKEN": MODERATOR_TOKEN.split(":", 1)[1],
        "ADMIN": ADMIN_TOKEN.split(":", 1)[1],
        "KEY": KEY,
    }
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f"set -m\n{script}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert '"status":"held"' in output and '"reason_code":"premoderation"' in output
    assert "published" in output
    assert "TOXICITY" in output and '"error"' not in output
    # The receiver printed both events, each with a signature it could not check without the
    # secret (the tour does not pass it).
    assert re.search(r"comment\.held evt_\w+ comment \d+", output), output
    assert re.search(r"comment\.approved evt_\w+ comment \d+", output), output
