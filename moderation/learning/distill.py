"""A smaller model distilled from the current one, to screen comments (decision 0029).

Most comments are far from every threshold: a model with fewer layers, taught to give the
current model's scores, can say so at a fraction of the cost, and the windows it puts near a
threshold go to the current model (`model.screen_checkpoint`, `Confirmation`). No labels are
needed, only text: the current model's logits on a site's own comments are the targets.

The student is the current model with some of its layers: the subset whose logits start
closest to the teacher's on a sample is kept (for the MiniLM checkpoint, layers 0, 2 and 5 of
6). It then learns the teacher's logits (mean squared error, every label alike, so rare labels
such as threat rank as they did) and its hidden states (each student layer matches the teacher
layer at the same depth), on windows cut as the scorer cuts them. AdamW with warm-up and
linear decay, batches of similar length within a token budget. A share of the texts is held
out: the evaluation says how far the student's logits stray from the teacher's there, and so
how wide the screening band must be (`model.screen_confirm_logits`).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from moderation.learning.artifacts import CHECKPOINT_NAME, CONFIG_NAME, write_evaluation
from moderation.learning.encoder import BaseModel, padded
from moderation.pipeline.model import cut_windows, file_digest, special_tokens, window_shape

Progress = Callable[[str], None]

# Candidate layer subsets tried for the student's start, at most.
_MAX_CANDIDATES = 64


def windows(base: BaseModel, texts: Sequence[str]) -> list[list[int]]:
    """Token-id rows (special tokens included) cut as the scorer cuts them, text after text."""
    tokenizer = base.tokenizer
    prefix, suffix = special_tokens(tokenizer)
    size, stride = window_shape(tokenizer)
    encoded = tokenizer(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
    return [prefix + piece + suffix for ids in encoded for piece in cut_windows(ids, size, stride)]


def _batches(rows: Sequence[Sequence[int]], budget: int) -> list[list[int]]:
    """Indices of rows in batches of similar length, each within `budget` padded tokens."""
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        if current and (len(current) + 1) * len(rows[index]) > budget:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def teacher_logits(base: BaseModel, rows: Sequence[Sequence[int]], budget: int = 8192) -> Any:
    """The current model's logits for every row (float32, rows x labels)."""
    import torch

    out: Any = np.zeros((len(rows), len(base.labels)), dtype=np.float32)
    base.model.eval()
    with torch.inference_mode():
        for batch in _batches(rows, budget):
            ids, mask = padded([list(rows[i]) for i in batch], base, torch)
            out[batch] = base.model(input_ids=ids, attention_mask=mask)[0].float().cpu().numpy()
    return out


def _encoder_layers(model: Any) -> tuple[Any, str]:
    """The module holding the transformer layers (a ModuleList) and its attribute name."""
    for name in ("bert", "roberta", "distilbert", "electra", "deberta"):
        body = getattr(model, name, None)
        if body is None:
            continue
        encoder = getattr(body, "encoder", None) or getattr(body, "transformer", None)
        if encoder is not None:
            for attribute in ("layer", "layers"):
                if hasattr(encoder, attribute):
                    return encoder, attribute
    raise ValueError(f"cannot find the transformer layers of {type(model).__name__}")


def student_of(teacher: Any, keep: Sequence[int]) -> Any:
    """A copy of `teacher` with only the layers `keep` (in order), trainable."""
    import torch

    student = copy.deepcopy(teacher)
    encoder, attribute = _encoder_layers(student)
    layers = getattr(encoder, attribute)
    setattr(encoder, attribute, torch.nn.ModuleList([layers[i] for i in keep]))
    student.config.num_hidden_layers = len(keep)
    for parameter in student.parameters():
        parameter.requires_grad_(True)
    return student


def layer_candidates(total: int, count: int, seed: int = 0) -> list[tuple[int, ...]]:
    """Layer subsets to try: every one when few, else evenly spaced ones and a random sample
    that keeps the last layer (the one the classifier was trained on)."""
    if math.comb(total, count) <= _MAX_CANDIDATES:
        return list(itertools.combinations(range(total), count))
    spaced = tuple(round(i * (total - 1) / max(count - 1, 1)) for i in range(count))
    chosen = {spaced}
    shuffler = random.Random(seed)
    while len(chosen) < _MAX_CANDIDATES:
        picked = [*sorted(shuffler.sample(range(total - 1), count - 1)), total - 1]
        chosen.add(tuple(picked))
    return sorted(chosen)


def choose_layers(
    base: BaseModel, rows: Sequence[Sequence[int]], targets: Any, count: int, sample: int = 256
) -> tuple[tuple[int, ...], float]:
    """The layer subset whose logits start closest to the teacher's on a sample of rows."""
    import torch

    total = len(getattr(*_encoder_layers(base.model)))
    picked = sorted(random.Random(0).sample(range(len(rows)), min(sample, len(rows))))
    short = [i for i in picked if len(rows[i]) <= 128] or picked
    best: tuple[tuple[int, ...], float] | None = None
    for keep in layer_candidates(total, count):
        model = student_of(base.model, keep).eval()
        error = 0.0
        with torch.inference_mode():
            for batch in _batches([rows[i] for i in short], 4096):
                chosen = [short[i] for i in batch]
                ids, mask = padded([list(rows[i]) for i in chosen], base, torch)
                logits = model(input_ids=ids, attention_mask=mask)[0].float().cpu().numpy()
                error += float(((logits - targets[chosen]) ** 2).sum())
        error /= len(short) * targets.shape[1]
        if best is None or error < best[1]:
            best = (keep, error)
    assert best is not None
    return best


def train_student(
    base: BaseModel,
    student: Any,
    keep: Sequence[int],
    rows: Sequence[Sequence[int]],
    targets: Any,
    epochs: float,
    learning_rate: float = 1e-4,
    hidden_weight: float = 1.0,
    budget: int = 4096,
    seed: int = 0,
    progress: Progress | None = None,
    label_weights: str = "spread",
) -> dict[str, Any]:
    """Teach `student` the teacher's logits and hidden states on `rows`, in place.

    `label_weights`: "equal", every label's squared logit error alike; or "spread", each
    label's weighted by the inverse of the spread (standard deviation) of the teacher's logits
    for it over `rows`, the weights averaging 1. A screen's cleared windows keep the student's
    scores, and what they must keep is each label's ranking: the rare labels' logits are packed
    tight (threat's spread 0.46 and identity_attack's 0.62 on make eval's texts, against 2.99
    for toxicity), so the same error shuffles them several times more.
    """
    import torch

    torch.manual_seed(seed)
    shuffler = random.Random(seed)
    teacher = base.model.eval()
    total = len(getattr(*_encoder_layers(teacher)))
    # Student layer j matches the teacher's hidden state at the same relative depth.
    matched = [round((j + 1) * total / len(keep)) for j in range(len(keep))]
    batches = _batches(rows, budget)
    steps = max(1, math.ceil(len(batches) * epochs))
    warmup = max(1, int(0.05 * steps))
    optimiser = torch.optim.AdamW(student.parameters(), lr=learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, step / warmup) * max(0.0, 1 - step / steps)
    )
    per_label = label_weighting(targets, label_weights)
    weight = torch.tensor(per_label, dtype=torch.float32, device=base.device)
    student.train()
    started = time.perf_counter()
    step = 0
    recent: list[float] = []
    while step < steps:
        shuffler.shuffle(batches)
        for batch in batches:
            ids, mask = padded([list(rows[i]) for i in batch], base, torch)
            wanted = torch.tensor(targets[batch], device=base.device)
            output = student(
                input_ids=ids, attention_mask=mask, output_hidden_states=hidden_weight > 0
            )
            loss = (((output.logits - wanted) ** 2) * weight).mean()
            recent.append(float(loss.detach()))
            if hidden_weight > 0:
                with torch.no_grad():
                    states = teacher(
                        input_ids=ids, attention_mask=mask, output_hidden_states=True
                    ).hidden_states
                weights = mask.unsqueeze(-1).to(states[0].dtype)
                count = weights.sum() * states[0].shape[-1]
                hidden = sum(
                    (((output.hidden_states[j + 1] - states[matched[j]]) ** 2) * weights).sum()
                    / count
                    for j in range(len(keep))
                )
                loss = loss + hidden_weight * hidden / len(keep)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if progress is not None and step % 100 == 0:
                progress(
                    f"step {step} of {steps}: logit error {np.mean(recent[-100:]):.4f}, "
                    f"{time.perf_counter() - started:.0f} s"
                )
            if step >= steps:
                break
    student.eval()
    return {
        "steps": steps,
        "epochs": epochs,
        "learning_rate": learning_rate,
        "hidden_weight": hidden_weight,
        "label_weights": {"how": label_weights, "weights": [round(w, 4) for w in per_label]},
        "final_logit_error": round(float(np.mean(recent[-50:])), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


LABEL_WEIGHTINGS = ("equal", "spread")


def label_weighting(targets: Any, how: str) -> list[float]:
    """Each label's weight in the student's logit loss (train_student's `label_weights`)."""
    count = int(np.asarray(targets).shape[1])
    if how == "equal":
        return [1.0] * count
    if how != "spread":
        raise ValueError(f"label weights: {how!r} is not one of {', '.join(LABEL_WEIGHTINGS)}")
    spread = np.maximum(np.asarray(targets, dtype=np.float64).std(axis=0), 1e-3)
    inverse = 1.0 / spread
    return [float(w) for w in inverse / inverse.mean()]


def fidelity(student_logits: Any, teacher_logits_: Any, labels: Sequence[str]) -> dict[str, Any]:
    """How far the student's logits stray from the teacher's, per label: what sets the band."""
    difference = np.abs(student_logits - teacher_logits_)
    per_label = {}
    for column, label in enumerate(labels):
        values = difference[:, column]
        per_label[label] = {
            "mean": round(float(values.mean()), 4),
            "p99": round(float(np.percentile(values, 99)), 4),
            "p999": round(float(np.percentile(values, 99.9)), 4),
            "max": round(float(values.max()), 4),
        }
    worst = difference.max(axis=1)
    return {
        "windows": len(difference),
        "per_label": per_label,
        # The band that would have left every held-out window's decision to the teacher.
        "band_for_all": round(float(worst.max()), 3),
        "band_for_999": round(float(np.percentile(worst, 99.9)), 3),
    }


def distill(
    base: BaseModel,
    texts: Sequence[str],
    layers: int,
    epochs: float,
    held_out_share: float = 0.05,
    learning_rate: float = 1e-4,
    hidden_weight: float = 1.0,
    seed: int = 0,
    progress: Progress | None = None,
    label_weights: str = "spread",
) -> tuple[Any, dict[str, Any]]:
    """A student of `layers` layers distilled from `base` on `texts`, and its evaluation."""
    say = progress or (lambda _message: None)
    total = len(getattr(*_encoder_layers(base.model)))
    if not 1 <= layers < total:
        raise ValueError(f"the model has {total} layers: a student needs 1 to {total - 1}")
    shuffled = list(texts)
    random.Random(seed).shuffle(shuffled)
    held = max(1, int(len(shuffled) * held_out_share)) if len(shuffled) > 1 else 0
    train_texts, test_texts = shuffled[held:], shuffled[:held]
    started = time.perf_counter()
    rows = windows(base, train_texts)
    test_rows = windows(base, test_texts)
    say(f"{len(train_texts)} texts ({len(rows)} windows) to learn from, {len(test_texts)} held out")
    targets = teacher_logits(base, rows)
    test_targets = teacher_logits(base, test_rows)
    say(f"teacher scored them in {time.perf_counter() - started:.0f} s")
    keep, start_error = choose_layers(base, rows, targets, layers)
    say(f"starting from layers {list(keep)} (logit error {start_error:.3f})")
    student = student_of(base.model, keep)
    training = train_student(
        base,
        student,
        keep,
        rows,
        targets,
        epochs,
        learning_rate=learning_rate,
        hidden_weight=hidden_weight,
        seed=seed,
        progress=say,
        label_weights=label_weights,
    )
    scored = BaseModel(**{**base.__dict__, "model": student})
    evaluation = {
        "teacher": str(base.checkpoint),
        "layers": list(keep),
        "start_logit_error": round(start_error, 4),
        "texts": len(train_texts),
        "windows": len(rows),
        "held_out_texts": len(test_texts),
        "training": training,
        "held_out": fidelity(teacher_logits(scored, test_rows), test_targets, base.labels)
        if test_rows
        else {},
        "seconds": round(time.perf_counter() - started, 1),
    }
    return student, evaluation


def write_student(base: BaseModel, student: Any, folder: Path, evaluation: dict[str, Any]) -> Path:
    """Write `folder`/model.ckpt (detoxify's format), config/ and evaluation.json, whole."""
    import torch

    folder = folder.expanduser().resolve()
    partial = folder.with_name(folder.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    saved = copy.deepcopy({key: value for key, value in base.saved.items() if key != "state_dict"})
    precision = next(iter(base.saved["state_dict"].values())).dtype
    saved["state_dict"] = {
        name: tensor.detach().cpu().to(precision) if tensor.is_floating_point() else tensor
        for name, tensor in student.state_dict().items()
    }
    saved.setdefault("config", {})["distilled"] = {
        "teacher": evaluation["teacher"],
        # What the worker checks the configured model against (a stale screen is refused).
        "teacher_sha256": file_digest(Path(evaluation["teacher"])),
        "layers": evaluation["layers"],
    }
    shutil.copytree(base.config_dir, partial / CONFIG_NAME)
    config_file = partial / CONFIG_NAME / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["num_hidden_layers"] = len(evaluation["layers"])
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    # detoxify reads the base model's name from the checkpoint: point it at the copied folder.
    arch = saved["config"]["arch"]["args"]
    arch["model_type"] = str(folder / CONFIG_NAME)
    torch.save(saved, partial / CHECKPOINT_NAME)
    write_evaluation(partial, evaluation)
    if folder.exists():
        shutil.rmtree(folder)
    partial.rename(folder)
    return folder / CHECKPOINT_NAME
