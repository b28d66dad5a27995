"""The site's current model, loaded for training: detoxify's own loading path, plus the saved
checkpoint dict that a trained model is written from.

The classifier's last linear layer reads one vector per text (BERT's pooled output, RoBERTa's
dense layer): those vectors are the features a head is trained on, so a head folds back into
that layer exactly and the checkpoint stays one detoxify loads as it loads any other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from moderation.pipeline.model import ModelUnavailableError, offline_checkpoint

Matrix: TypeAlias = NDArray[np.float32]


@dataclasses.dataclass
class BaseModel:
    """A loaded detoxify-format model and what training needs of it."""

    checkpoint: Path
    config_dir: Path
    saved: dict[str, Any]
    model: Any
    tokenizer: Any
    labels: tuple[str, ...]
    device: str
    # The state-dict name of the last linear layer (one output per label).
    output_layer: str

    def label_index(self, label: str) -> int:
        """The row of `label` in the output layer; ModelUnavailableError if it has none."""
        if label not in self.labels:
            raise ModelUnavailableError(
                f"learning.label={label}: the model scores only {', '.join(self.labels)}"
            )
        return self.labels.index(label)


def load_base(checkpoint: str, config_dir: str, device: str = "cpu") -> BaseModel:
    """Load the checkpoint through detoxify (offline), on `device`."""
    import torch
    from detoxify import Detoxify

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelUnavailableError(
            f"learning.device={device} but no CUDA device is available; set it to cpu"
        )
    loadable, folder = offline_checkpoint(checkpoint, config_dir)
    detoxify = Detoxify(
        checkpoint=str(loadable), huggingface_config_path=str(folder), device=device
    )
    saved = torch.load(Path(checkpoint).expanduser(), map_location="cpu", weights_only=False)
    labels = tuple(detoxify.class_names)
    return BaseModel(
        checkpoint=Path(checkpoint).expanduser().resolve(),
        config_dir=folder,
        saved=saved,
        model=detoxify.model,
        tokenizer=detoxify.tokenizer,
        labels=labels,
        device=device,
        output_layer=output_layer_name(detoxify.model, len(labels)),
    )


def output_layer_name(model: Any, outputs: int) -> str:
    """The name of the last linear layer with one output per label."""
    import torch

    found = [
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module.out_features == outputs
    ]
    if not found:
        raise ModelUnavailableError("the model has no linear output layer with one row per label")
    return str(found[-1])


def encode(
    base: BaseModel, texts: Sequence[str], max_tokens: int = 256, batch_size: int = 32
) -> tuple[Matrix, Matrix]:
    """For each text: the output layer's input vector and the model's logits.

    Texts are cut at `max_tokens` and batched by length so padding costs little.
    """
    import torch

    layer = base.model.get_submodule(base.output_layer)
    captured: list[Any] = []
    hook = layer.register_forward_hook(lambda _m, inputs, _o: captured.append(inputs[0]))
    width = int(layer.in_features)
    features: Matrix = np.zeros((len(texts), width), dtype=np.float32)
    logits: Matrix = np.zeros((len(texts), len(base.labels)), dtype=np.float32)
    limit = min(max_tokens, int(getattr(base.tokenizer, "model_max_length", 512) or 512), 512)
    ids = base.tokenizer(list(texts), truncation=True, max_length=limit)["input_ids"]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    base.model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                input_ids, attention = padded([ids[i] for i in chunk], base, torch)
                captured.clear()
                out = base.model(input_ids=input_ids, attention_mask=attention)[0]
                features[chunk] = captured[-1].float().cpu().numpy()
                logits[chunk] = out.float().cpu().numpy()
    finally:
        hook.remove()
    return features, logits


def padded(rows: list[list[int]], base: BaseModel, torch: Any) -> tuple[Any, Any]:
    """Token-id rows padded to the longest, and their attention mask, on the model's device."""
    pad = int(base.tokenizer.pad_token_id or 0)
    width = max(len(row) for row in rows)
    input_ids = torch.tensor(
        [row + [pad] * (width - len(row)) for row in rows], dtype=torch.long, device=base.device
    )
    attention = torch.tensor(
        [[1] * len(row) + [0] * (width - len(row)) for row in rows],
        dtype=torch.long,
        device=base.device,
    )
    return input_ids, attention
