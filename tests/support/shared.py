"""The material beside the project in ../shared: the offline MiniLM model, labelled data and the
published API specifications that wire-format tests check against.

Where it lives: `MODERATION_SHARED_DIR`, else `../shared` next to the checkout. When a file is
missing, a test that needs it skips with the path it looked for; under CI
(`MODERATION_REQUIRE_SHARED=1`, set by .ci/run once it has found the folder) it fails instead,
so a missing spec can never pass as a green run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from moderation.config import PROJECT_ROOT

SHARED = Path(os.environ.get("MODERATION_SHARED_DIR") or PROJECT_ROOT.parent / "shared")
SHARED_MODEL = SHARED / "models" / "minilm-toxicity"
SHARED_DATA = SHARED / "data"
SHARED_SPECS = SHARED / "specs"


def required() -> bool:
    """True where a missing shared file is a failure, not a skip (CI)."""
    return os.environ.get("MODERATION_REQUIRE_SHARED", "") not in {"", "0"}


def shared_file(path: Path, why: str) -> Path:
    """`path` if it exists; else skip (or, under CI, fail) naming the file and what needs it."""
    if path.exists():
        return path
    message = f"{path} is absent ({why}); set MODERATION_SHARED_DIR to the shared folder"
    if required():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def has_minilm() -> bool:
    """Whether the MiniLM checkpoint is there; under CI its absence fails the first caller."""
    present = (SHARED_MODEL / "model.ckpt").is_file()
    if not present and required():
        pytest.fail(f"{SHARED_MODEL} is absent; set MODERATION_SHARED_DIR", pytrace=False)
    return present
