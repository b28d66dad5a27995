"""A trained model on disk: a detoxify-format checkpoint, its config folder and its evaluation.

`<models_dir>/<site>/<UTC time>/` holds `model.ckpt` (the base checkpoint's dict with the new
weights and a `learning` entry saying where it came from), `config/` (a copy of the base
model's config and tokenizer, so the folder loads on its own) and `evaluation.json`. The
folder is written under a temporary name and renamed when complete, so a reader never sees a
half-written model.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from moderation.config import SITE_ID
from moderation.learning.encoder import BaseModel

CHECKPOINT_NAME = "model.ckpt"
CONFIG_NAME = "config"
EVALUATION_NAME = "evaluation.json"


def model_folder(models_dir: str, site_id: str, now: dt.datetime) -> Path:
    """Where a model of `site_id` trained at `now` goes."""
    if not SITE_ID.fullmatch(site_id):
        raise ValueError(f"not a site id: {site_id!r}")
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return Path(models_dir).expanduser().resolve() / site_id / stamp


def write_model(
    base: BaseModel,
    folder: Path,
    weights: Mapping[str, Any],
    evaluation: Mapping[str, Any],
    provenance: Mapping[str, Any],
) -> tuple[Path, Path]:
    """Write the checkpoint (base weights with `weights` replaced) and its evaluation."""
    import torch

    partial = folder.with_name(folder.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    saved = {key: value for key, value in base.saved.items() if key != "state_dict"}
    saved = copy.deepcopy(saved)
    state = dict(base.saved["state_dict"])
    unknown = sorted(set(weights) - set(state))
    if unknown:
        raise ValueError(f"weights not in the base checkpoint: {', '.join(unknown)}")
    # Weights keep the base checkpoint's precision (MiniLM's is float16), except the output
    # layer, whose retrained row is kept exact.
    kept = (f"{base.output_layer}.weight", f"{base.output_layer}.bias")
    state.update(
        {
            name: tensor.detach().cpu()
            if name in kept
            else tensor.detach().cpu().to(state[name].dtype)
            for name, tensor in weights.items()
        }
    )
    saved["state_dict"] = state
    saved.setdefault("config", {})["learning"] = dict(provenance)
    torch.save(saved, partial / CHECKPOINT_NAME)
    shutil.copytree(base.config_dir, partial / CONFIG_NAME)
    write_evaluation(partial, evaluation)
    partial.rename(folder)
    return folder / CHECKPOINT_NAME, folder / CONFIG_NAME


def write_evaluation(folder: Path, evaluation: Mapping[str, Any]) -> None:
    """evaluation.json, human-readable."""
    (folder / EVALUATION_NAME).write_text(
        json.dumps(evaluation, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def discard_weights(folder: Path) -> None:
    """Remove a model's weights and config (kept: its evaluation), for one not proposed."""
    (folder / CHECKPOINT_NAME).unlink(missing_ok=True)
    shutil.rmtree(folder / CONFIG_NAME, ignore_errors=True)
