"""A Python client generated from the served /openapi.json (openapi-python-client, at test time,
into a temporary folder) posts a comment, a moderator reviews it and decides it, against the
real service: gunicorn, a scoring worker process, PostgreSQL and Redis.

The generator runs with --fail-on-warning: an operation or schema it cannot turn into code
fails the test. Nothing generated is committed; docs/api.md says how to generate a client.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
import requests

from tests.support.settings import MODERATOR_TOKEN

pytestmark = pytest.mark.e2e

PACKAGE = "moderation_client"
# A link from a first-time author is held for a person (pipeline/rules/links.py).
HELD_TEXT = "Background reading at www.example-shop.ru for anyone curious"


@pytest.fixture(scope="module")
def generated(live_service: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The generated package, imported; each `api.<tag>.<operationId>` module on `.op`."""
    folder = tmp_path_factory.mktemp("generated-client")
    document = requests.get(f"{live_service.base_url}/openapi.json", timeout=10).json()
    (folder / "openapi.json").write_text(json.dumps(document))
    # No post hooks: ruff formatting the generated code is not what is under test.
    # NDJSON (the comments export) is a stream of bytes to a generated client.
    (folder / "config.yaml").write_text(
        f"package_name_override: {PACKAGE}\npost_hooks: []\n"
        "content_type_overrides:\n  application/x-ndjson: application/octet-stream\n"
    )
    command = [sys.executable, "-m", "openapi_python_client", "generate"]
    command += ["--path", str(folder / "openapi.json"), "--config", str(folder / "config.yaml")]
    command += ["--output-path", str(folder / PACKAGE), "--meta", "none", "--fail-on-warning"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        yield Generated(importlib.import_module(PACKAGE), document)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


class Generated:
    """The generated package, with its operations found by the document's operationIds."""

    def __init__(self, package: ModuleType, document: dict[str, Any]) -> None:
        self.package = package
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.tags = {
            operation["operationId"]: operation["tags"][0]
            for item in document["paths"].values()
            for method, operation in item.items()
            if method in {"get", "post", "put", "patch", "delete"}
        }

    def op(self, operation_id: str) -> Any:
        tag = self.tags[operation_id].replace("-", "_")
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id}")


def until_decided(generated: Generated, reader: Any, comment_id: int) -> Any:
    status = generated.op("comments_get_comment")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = status.sync(comment_id=comment_id, client=reader)
        if answer.status != "pending":
            return answer
        time.sleep(0.1)
    raise AssertionError(f"comment {comment_id} still pending after 60 s")


def test_a_generated_client_posts_reviews_and_decides_a_comment(
    generated: Generated, live_service: Any
) -> None:
    models = generated.models
    base = live_service.base_url
    reader = generated.package.Client(base_url=base, raise_on_unexpected_status=True)
    moderator = generated.package.AuthenticatedClient(
        base_url=base, token=MODERATOR_TOKEN.split(":", 1)[1], raise_on_unexpected_status=True
    )
    post = generated.op("comments_post_comment")
    body = models.CommentIn(author=models.AuthorIn(id="gen-reader", name="Ada"), text=HELD_TEXT)

    posted = post.sync_detailed(
        article_id="generated", client=reader, body=body, idempotency_key="gen-1"
    )
    assert posted.status_code == 202
    assert isinstance(posted.parsed, models.PostedComment)
    comment_id = posted.parsed.id
    again = post.sync_detailed(
        article_id="generated", client=reader, body=body, idempotency_key="gen-1"
    )
    assert again.status_code == 200 and again.parsed.id == comment_id  # a retry, not a second

    held = until_decided(generated, reader, comment_id)
    assert held.status == "held" and held.visible is False

    page = generated.op("review_queue").sync(client=moderator, article_id="generated")
    queued = next(item for item in page.comments if item.id == comment_id)
    detail = generated.op("review_detail").sync(comment_id=comment_id, client=moderator)
    assert isinstance(detail, models.ReviewDetail)
    assert detail.version == queued.version
    assert any(reason["kind"] == "rule" for reason in detail.reasons)  # a free-form list

    decide = generated.op("review_decide")
    approve = models.DecisionIn(
        action=models.DecisionInAction.APPROVE,
        reason_code=models.DecisionInReasonCodeType0.OTHER,
        version=detail.version,
    )
    decided = decide.sync_detailed(comment_id=comment_id, client=moderator, body=approve)
    assert decided.status_code == 200 and decided.parsed.status == "approved", decided.content

    # The errors are typed too: a stale version is a 409 with the current one, a missing
    # token a 401, both in the documented error shape.
    stale = decide.sync_detailed(comment_id=comment_id, client=moderator, body=approve)
    assert stale.status_code == 409 and isinstance(stale.parsed, models.Error)
    assert stale.parsed["current_version"] == decided.parsed.version
    anonymous = generated.op("review_detail").sync_detailed(comment_id=comment_id, client=reader)
    assert anonymous.status_code == 401 and isinstance(anonymous.parsed, models.Error)
    assert "Authorization" in anonymous.parsed.message

    published = generated.op("comments_get_comment").sync(comment_id=comment_id, client=reader)
    assert published.status == "approved" and published.visible is True
