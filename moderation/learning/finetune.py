"""Fine-tune the whole model on the site's decisions (learning.method = "finetune").

The retrained label learns the decisions (binary cross-entropy, rejections weighted up to the
square root of the class ratio); every other label learns to keep the base model's own scores
(distillation), so holds for threats or identity attacks do not drift. AdamW with linear
warm-up and decay, batches of similar length, gradient clipping: detoxify's recipe, shorter.
"""

from __future__ import annotations

import copy
import math
import random
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from moderation.config import LearningSettings
from moderation.learning.encoder import BaseModel

if TYPE_CHECKING:
    from moderation.learning.trainer import Examples

BATCH_SIZE = 16


def finetune(
    base: BaseModel, train: Examples, settings: LearningSettings, seed: int = 0
) -> tuple[Any, dict[str, Any]]:
    """A fine-tuned copy of the base model, and what was done."""
    import torch

    started = time.perf_counter()
    _, base_logits = train.encoded(base, settings.max_tokens)
    row = base.label_index(settings.label)
    torch.manual_seed(seed)
    shuffler = random.Random(seed)
    model = copy.deepcopy(base.model).to(base.device)
    model.train()
    limit = min(settings.max_tokens, int(getattr(base.tokenizer, "model_max_length", 512) or 512))
    ids = base.tokenizer(list(train.texts), truncation=True, max_length=limit)["input_ids"]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    batches = [order[i : i + BATCH_SIZE] for i in range(0, len(order), BATCH_SIZE)]
    steps = max(1, math.ceil(len(batches) * settings.epochs))
    warmup = max(1, int(0.06 * steps))
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / (steps - warmup + 1))),
    )
    positives = max(1, int(train.rejected.sum()))
    weight = torch.tensor(math.sqrt(max(1, len(train.rejected) - positives) / positives))
    targets = 1.0 / (1.0 + np.exp(-base_logits.astype(np.float64)))
    others = [index for index in range(len(base.labels)) if index != row]
    pad = int(base.tokenizer.pad_token_id or 0)
    step = 0
    losses: list[float] = []
    while step < steps:
        shuffler.shuffle(batches)
        for batch in batches:
            width = max(len(ids[i]) for i in batch)
            input_ids = torch.tensor(
                [ids[i] + [pad] * (width - len(ids[i])) for i in batch], device=base.device
            )
            attention = torch.tensor(
                [[1] * len(ids[i]) + [0] * (width - len(ids[i])) for i in batch],
                device=base.device,
            )
            logits = model(input_ids=input_ids, attention_mask=attention)[0]
            decided = torch.tensor(train.rejected[batch], dtype=torch.float32, device=base.device)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits[:, row], decided, pos_weight=weight.to(base.device)
            )
            if others:
                kept = torch.tensor(
                    targets[batch][:, others], dtype=torch.float32, device=base.device
                )
                loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
                    logits[:, others], kept
                )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            losses.append(float(loss.detach()))
            step += 1
            if step >= steps:
                break
    model.eval()
    return model, {
        "steps": steps,
        "epochs": settings.epochs,
        "learning_rate": settings.learning_rate,
        "final_loss": round(float(np.mean(losses[-20:])), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }
