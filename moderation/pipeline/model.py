"""The toxicity model: the Scorer protocol and its detoxify adapter.

`load_scorer(settings)` loads a detoxify model once (a named model, or a local checkpoint plus
its config folder, fully offline) and returns a `DetoxifyScorer`. When nothing can be loaded it
raises `ModelUnavailableError` whose message says what failed and which setting fixes it.
`load_language_model(settings, entry)` loads the model of one `[model.languages.<code>]`
entry: a detoxify model the same way, or a site's own classifier through its adapter class
(any class that implements `Scorer`; docs/models.md).

Unlike `Detoxify.predict`, which silently cuts every comment at the tokenizer's limit, the
adapter scores a long comment in overlapping windows and keeps each label's worst window, so
abuse at the end of a long comment is still seen. Windows of similar token length are batched
together so padding costs little.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import logging
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from moderation.config import LanguageModel, ModelSettings

log = logging.getLogger(__name__)

_MAX_WINDOW_CAP = 512

# One model call: padded token-id rows and their attention masks in, probabilities out.
Forward = Callable[[list[list[int]], list[list[int]]], list[list[float]]]


class ModelUnavailableError(RuntimeError):
    """No model could be loaded; the message says why and which setting fixes it."""


class Scorer(Protocol):
    """Scores texts: one {label: probability} mapping per text, in order.

    This is the whole interface a language's model implements (docs/models.md): `labels`
    names what it scores (detoxify's names: toxicity, severe_toxicity, obscene, threat,
    insult, identity_attack, sexual_explicit; labels without a threshold are kept but decide
    nothing), `description` says what it is in verdicts and on the review page, and `score`
    takes a batch of texts and returns one mapping of label to probability (0-1) per text.
    """

    labels: tuple[str, ...]
    description: str

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]: ...


def score_planned(
    scorer: Scorer, texts: Sequence[str], shifts: Sequence[Mapping[str, Sequence[float]]]
) -> list[dict[str, float]]:
    """`scorer`'s scores for `texts`, telling a scorer that confirms near the thresholds
    (`score_shifted`) each text's planned shifts, so it also confirms near the levels the
    adjusted scores meet; a scorer without it, or texts without shifts, are simply scored."""
    score_shifted = getattr(scorer, "score_shifted", None)
    if score_shifted is not None and any(shifts):
        scored: list[dict[str, float]] = score_shifted(texts, shifts)
        return scored
    return scorer.score(texts)


class DetoxifyScorer:
    """A loaded detoxify model that scores batches, windowing long texts."""

    def __init__(
        self,
        detoxify: Any,
        description: str,
        window_tokens: int = 0,
        overlap_tokens: int = 32,
        load_seconds: float = 0.0,
        forward: Forward | None = None,
        confirm: Confirmation | None = None,
    ) -> None:
        # With ONNX Runtime alone the torch module is not kept (a confirmation keeps it).
        if forward is None:
            detoxify.model.eval()
            forward = _torch_forward(detoxify.model)
        self._forward = forward
        self._confirmation = confirm
        # Windows scored, and of them scored again (int8 with a confirmation: in float; with a
        # screening model: by the model).
        self.windows_scored = 0
        self.windows_confirmed = 0
        # This model without a screening model in front (itself when it has none): the model's
        # own scores, for callers that apply their own thresholds (Perspective's analyze).
        self.unscreened: DetoxifyScorer = self
        self._tokenizer = detoxify.tokenizer
        self.labels: tuple[str, ...] = tuple(detoxify.class_names)
        self.description = description
        self.load_seconds = load_seconds
        self.device = str(getattr(detoxify, "device", "cpu"))
        self._prefix, self._suffix = special_tokens(self._tokenizer)
        self._pad_id = int(self._tokenizer.pad_token_id or 0)
        self.window, self.stride = window_shape(self._tokenizer, window_tokens, overlap_tokens)
        # Set by a scoring worker that also answers analyze calls: at most this many tokens per
        # model call (padding included), and a function called between model calls (it may
        # score waiting calls). None: model calls as large as the batch.
        self.max_tokens: int | None = None
        self.between_groups: Callable[[], None] | None = None

    def confirm_near(self, points: Mapping[str, Sequence[float]]) -> None:
        """Levels that decide too (a site's thresholds): scores near them get the exact ones."""
        confirmation = self._confirmation
        while confirmation is not None:
            confirmation.add(points)
            confirmation = confirmation.inner

    def windows(self, text: str) -> list[list[int]]:
        """The token-id windows that cover `text` (one for a text within the limit)."""
        ids: list[int] = self._tokenizer(text, add_special_tokens=False, truncation=False)[
            "input_ids"
        ]
        return cut_windows(ids, self.window, self.stride)

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Scores for every text; a long text's score is its worst window per label."""
        return self.score_shifted(texts, ())

    def score_shifted(
        self, texts: Sequence[str], shifts: Sequence[Mapping[str, Sequence[float]]]
    ) -> list[dict[str, float]]:
        """`score`, where `shifts[i]` gives, per label, the logits an adjustment will take off
        text i's score (the identity correction): a confirmation also confirms that text's
        windows near "threshold + shift", where its adjusted score meets a threshold."""
        pieces: list[tuple[int, list[int]]] = []
        for index, text in enumerate(texts):
            pieces.extend((index, window) for window in self.windows(text))
        results: list[dict[str, float]] = [dict.fromkeys(self.labels, 0.0) for _ in texts]
        groups = _length_groups(
            pieces,
            max_size=max(len(texts), 1),
            max_tokens=self.max_tokens,
            extra=len(self._prefix) + len(self._suffix),
        )
        for number, group in enumerate(groups):
            if number and self.between_groups is not None:
                self.between_groups()
            rows = [self._prefix + ids + self._suffix for _, ids in group]
            width = max(len(row) for row in rows)
            padded = [row + [self._pad_id] * (width - len(row)) for row in rows]
            masks = [[1] * len(row) + [0] * (width - len(row)) for row in rows]
            probabilities = self._forward(padded, masks)
            self.windows_scored += len(rows)
            if self._confirmation is not None:
                self.windows_confirmed += self._confirmation.apply(
                    padded,
                    masks,
                    probabilities,
                    [shifts[index] for index, _ in group] if shifts else None,
                )
            for (index, _), row in zip(group, probabilities, strict=True):
                current = results[index]
                for label, value in zip(self.labels, row, strict=False):
                    if value > current[label]:
                        current[label] = value
        return results


class Confirmation:
    """Scores near a decision scored again in float (decision 0028).

    int8 weights move a score by about 0.1 logit on average, more on some texts: alone they
    changed 625 of make eval's threshold crossings (36,103 texts). A window whose int8 score on
    any label lies within `margin` logits of one of that label's thresholds is run again through
    the float model, and its float scores are kept; windows far from every threshold keep their
    int8 scores, which decide the same.
    """

    def __init__(
        self,
        forward: Forward,
        labels: Sequence[str],
        points: Mapping[str, Sequence[float]],
        margin: float,
        inner: Confirmation | None = None,
        below_only: bool = False,
    ) -> None:
        # With `inner`, what `forward` gives is itself confirmed by it (a screening model's
        # windows near a line go to the main model, whose int8 scores near a line go to float).
        self._forward = forward
        self.inner = inner
        self.margin = margin
        # below_only: keep only scores that lie more than the margin below every level of
        # their label; every other window is scored again (a screen clears clean windows only).
        self.below_only = below_only
        # Windows this confirmation scored again.
        self.windows = 0
        self._labels = tuple(labels)
        # Per label, in the model's order: the levels (as logits) a score is checked against.
        self._points = [{_logit(point) for point in points.get(label, ())} for label in labels]

    def add(self, points: Mapping[str, Sequence[float]]) -> None:
        """Also confirm near these levels (a site's own thresholds), at most 64 per label."""
        for label, known in zip(self._labels, self._points, strict=True):
            for point in points.get(label, ()):
                if len(known) < 64:
                    known.add(_logit(point))

    def near(
        self, row: Sequence[float], shifts: Mapping[str, Sequence[float]] | None = None
    ) -> bool:
        """Whether any label's score is within the margin of one of its thresholds (with
        `below_only`: not more than the margin below all of them). `shifts`: per label, logits
        an adjustment will take off this score; the shifted score is checked too. (A positive
        shift only lowers a score, so a screen's `below_only` check already covers it.)"""
        for label, value, points in zip(self._labels, row, self._points, strict=False):
            if points:
                logit = _logit(value)
                if self.below_only:
                    if logit > min(points) - self.margin:
                        return True
                    continue
                if any(abs(logit - point) < self.margin for point in points):
                    return True
                for shift in (shifts or {}).get(label, ()):
                    if any(abs(logit - shift - point) < self.margin for point in points):
                        return True
        return False

    def apply(
        self,
        padded: list[list[int]],
        masks: list[list[int]],
        probabilities: list[list[float]],
        shifts: Sequence[Mapping[str, Sequence[float]]] | None = None,
    ) -> int:
        """Replace, in place, the rows near a threshold by the exact scores; how many there were.

        `shifts`, one per row: see `near`."""
        chosen = [
            number
            for number, row in enumerate(probabilities)
            if self.near(row, shifts[number] if shifts else None)
        ]
        if not chosen:
            return 0
        width = max(sum(masks[number]) for number in chosen)
        rows = [padded[number][:width] for number in chosen]
        row_masks = [masks[number][:width] for number in chosen]
        again = self._forward(rows, row_masks)
        if self.inner is not None:
            self.inner.apply(
                rows, row_masks, again, [shifts[number] for number in chosen] if shifts else None
            )
        for number, row in zip(chosen, again, strict=True):
            probabilities[number] = row
        self.windows += len(chosen)
        return len(chosen)


def _logit(probability: float) -> float:
    clipped = min(max(probability, 1e-7), 1 - 1e-7)
    return math.log(clipped / (1 - clipped))


def threshold_points(settings: ModelSettings) -> dict[str, list[float]]:
    """Every hold and reject level the settings give each label, the languages' included."""
    points: dict[str, list[float]] = {}
    bands = [settings.thresholds]
    bands += [settings.language_thresholds(code) for code in settings.languages]
    for thresholds in bands:
        for label, band in thresholds.items():
            points.setdefault(label, []).extend([band.hold, band.reject])
    return points


def _torch_forward(model: Any) -> Forward:
    import torch

    def forward(rows: list[list[int]], masks: list[list[int]]) -> list[list[float]]:
        device = model.device
        input_ids = torch.tensor(rows, dtype=torch.long, device=device)
        attention = torch.tensor(masks, dtype=torch.long, device=device)
        with torch.inference_mode():
            logits = model(input_ids=input_ids, attention_mask=attention)[0]
        result: list[list[float]] = torch.sigmoid(logits).float().cpu().tolist()
        return result

    return forward


def runtime_choice(settings: ModelSettings) -> tuple[str, str]:
    """The runtime ("torch" or "onnx") and quantisation ("none" or "int8") the settings ask for.

    "auto" means what measured best (docs/benchmarks.md): on the CPU, ONNX Runtime with int8
    weights, about half the model's CPU per comment of float torch with every label's ROC-AUC
    within 0.005; on a GPU, torch in float.
    """
    runtime = settings.runtime
    if runtime == "auto":
        runtime = "onnx" if settings.device == "cpu" else "torch"
    quantize = settings.quantize
    if quantize == "auto":
        quantize = "int8" if runtime == "onnx" else "none"
    return runtime, quantize


def _onnx_forward(model: Any, source_key: str, threads: int, int8: bool) -> Forward:
    """Run the model with ONNX Runtime: exported once (and quantised once) into the temp folder.

    The export uses the model's plain ("eager") attention: the default one exports to a graph
    that masks with Where/IsNaN nodes, about 15% of ONNX Runtime's time here. int8 is ONNX
    Runtime's dynamic quantisation of every weight MatMul but the output layer's, per output
    channel: torch's own (per tensor) moved threat's ROC-AUC by 0.03 on jigsaw_wiki_dev, this by
    under 0.005 on every label, and it is faster (decision 0028).
    """
    try:
        import numpy as np
        import onnxruntime
        import torch
    except ImportError as error:
        raise ModelUnavailableError(
            f"MODERATION_MODEL_RUNTIME=onnx needs onnxruntime and onnx ({error}); reinstall the "
            "service (`make install`) or set MODERATION_MODEL_RUNTIME=torch"
        ) from error
    versions = f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, export 2"
    key = hashlib.sha256(f"{source_key}:{versions}".encode()).hexdigest()[:24]
    folder = _cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.onnx"
    if not path.is_file():
        _export_onnx(model, path)
    if int8:
        quantized = folder / f"{key}.{INT8_RECIPE}.onnx"
        if not quantized.is_file():
            _quantize_int8(path, quantized)
        path = quantized
    options = onnxruntime.SessionOptions()
    if threads > 0:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # A waiting thread sleeps instead of spinning: the CPU a comment costs is what matters here.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def forward(rows: list[list[int]], masks: list[list[int]]) -> list[list[float]]:
        logits = session.run(
            None,
            {
                "input_ids": np.asarray(rows, dtype=np.int64),
                "attention_mask": np.asarray(masks, dtype=np.int64),
            },
        )[0]
        result: list[list[float]] = (1.0 / (1.0 + np.exp(-logits))).tolist()
        return result

    return forward


def _cache_folder() -> Path:
    """Where exported and quantised models are kept: the temp folder's moderation-models/."""
    return Path(tempfile.gettempdir()) / "moderation-models"


def _export_onnx(model: Any, path: Path) -> None:
    """Export `model` to `path` (written under another name, then renamed: workers race)."""
    import torch

    partial = path.with_suffix(f".{os.getpid()}.partial")
    setter = getattr(model, "set_attn_implementation", None)
    previous = getattr(getattr(model, "config", None), "_attn_implementation", None)
    if callable(setter):
        setter("eager")
    try:
        sample = torch.ones((2, 8), dtype=torch.long)
        # The exporter warns about tracing Python conditions; the graph is checked by its use.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (sample, sample),
                str(partial),
                input_names=["input_ids", "attention_mask"],
                output_names=["logits"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    "logits": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
    finally:
        if callable(setter) and previous:
            setter(previous)
    partial.replace(path)


# How int8 models are made; part of their file name (and of make eval's score cache key), so
# a change of recipe makes new files instead of reusing the old ones.
INT8_RECIPE = "int8-float-output"


def _quantize_int8(source: Path, path: Path) -> None:
    """ONNX Runtime's dynamic int8 quantisation of `source`'s weight MatMuls, per channel, but
    for the output layer (`output_layer_nodes`), which stays in float.

    The output layer is one small matrix (hidden size x labels: 2,304 multiply-adds per window
    for MiniLM, against about 10 million in the encoder), so keeping it in float costs nothing
    measurable. In int8 it cost a site model its accuracy: a trained head (issue 16) folds
    standardised weights into that layer, a few of them far larger than the rest, and an int8
    channel scaled to those rounds the others away. A head trained on news_comments_unhealthy
    moved by 0.54 logit on average (1.07 at most) in int8, by 0.13 with the layer in float,
    about as much as the shipped model's 0.11.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source)).graph
    output_layer = output_layer_nodes(graph)

    partial = path.with_suffix(f".{os.getpid()}.partial")
    # quantize_dynamic advises, on the root logger, a pre-processing step for static
    # quantisation; dynamic quantisation of this graph does not need it.
    advice = _DropRecords("onnxruntime")
    root = logging.getLogger()
    root.addFilter(advice)
    try:
        quantize_dynamic(
            str(source),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            # The quantiser turns a Gemm into a MatMul named <name>_MatMul before it
            # quantises: both names, so that the layer stays in float either way.
            nodes_to_exclude=[name for node in output_layer for name in (node, f"{node}_MatMul")],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.removeFilter(advice)
    partial.replace(path)


def output_layer_nodes(graph: Any) -> list[str]:
    """The names of the weight products nearest the graph's outputs: the classifier's last
    layer, found by walking back from each output through the nodes that lead to it (an Add
    of a bias, a reshape) to the first MatMul or Gemm."""
    producers = {output: node for node in graph.node for output in node.output}
    found: list[str] = []
    for output in graph.output:
        pending, seen = [output.name], set()
        while pending:
            node = producers.get(pending.pop())
            if node is None or node.name in seen:
                continue
            seen.add(node.name)
            if node.op_type in ("MatMul", "Gemm"):
                found.append(node.name)
            else:
                pending.extend(node.input)
    return found


class _DropRecords(logging.Filter):
    """Drops warnings logged from files under one package's folder."""

    def __init__(self, package: str) -> None:
        super().__init__()
        self.part = f"{os.sep}{package}{os.sep}"

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno <= logging.WARNING and self.part in record.pathname)


def window_shape(
    tokenizer: Any, window_tokens: int = 0, overlap_tokens: int = 32
) -> tuple[int, int]:
    """Content tokens per window (the configured size, 0: the tokenizer's limit; never more than
    the model accepts, special tokens taken off) and the stride from one window to the next."""
    limit = int(getattr(tokenizer, "model_max_length", _MAX_WINDOW_CAP) or 0)
    limit = min(limit if limit > 0 else _MAX_WINDOW_CAP, _MAX_WINDOW_CAP)
    prefix, suffix = special_tokens(tokenizer)
    window = min(window_tokens or limit, limit) - len(prefix) - len(suffix)
    return window, max(1, window - max(0, min(overlap_tokens, window - 1)))


def cut_windows(ids: list[int], window: int, stride: int) -> list[list[int]]:
    """Overlapping windows of `window` token ids that cover `ids` (one when it fits)."""
    if len(ids) <= window:
        return [ids]
    pieces = []
    for start in range(0, len(ids), stride):
        pieces.append(ids[start : start + window])
        if start + window >= len(ids):
            break
    return pieces


def special_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a text ([CLS] ... [SEP], <s> ... </s>)."""
    bare: list[int] = tokenizer("x", add_special_tokens=False)["input_ids"]
    full: list[int] = tokenizer("x", add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(bare) + 1):
        if full[start : start + len(bare)] == bare:
            return full[:start], full[start + len(bare) :]
    return [], []


def _length_groups(
    pieces: list[tuple[int, list[int]]],
    max_size: int,
    max_tokens: int | None = None,
    extra: int = 0,
) -> list[list[tuple[int, list[int]]]]:
    """Split pieces into batches of similar length so padding wastes little model time.

    With `max_tokens`, a batch also stays within that many tokens once padded (each piece
    counts `extra` special tokens); a piece longer than that goes alone.
    """
    ordered = sorted(pieces, key=lambda piece: len(piece[1]))
    groups: list[list[tuple[int, list[int]]]] = []
    for piece in ordered:
        if groups:
            group = groups[-1]
            shortest = len(group[0][1])
            fits = max_tokens is None or (len(group) + 1) * (len(piece[1]) + extra) <= max_tokens
            if len(group) < max_size and len(piece[1]) <= shortest * 1.25 + 8 and fits:
                group.append(piece)
                continue
        groups.append([piece])
    return groups


def load_scorer(settings: ModelSettings) -> DetoxifyScorer:
    """Load the configured model once; raise ModelUnavailableError with a fix if it fails."""
    started = time.perf_counter()
    try:
        import torch
        from detoxify import Detoxify
    except ImportError as error:  # pragma: no cover - install problem
        raise ModelUnavailableError(
            f"detoxify or torch is not installed ({error}); run `make install`"
        ) from error
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - older transformers
        pass
    if settings.threads > 0:
        torch.set_num_threads(settings.threads)
    if settings.device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelUnavailableError(
            f"MODERATION_MODEL_DEVICE={settings.device} but no CUDA device is available; "
            "set MODERATION_MODEL_DEVICE=cpu"
        )
    if settings.checkpoint:
        checkpoint, config_dir = offline_checkpoint(settings.checkpoint, settings.config_dir)
        description = f"checkpoint {settings.checkpoint}"
        try:
            detoxify = Detoxify(
                checkpoint=str(checkpoint),
                huggingface_config_path=str(config_dir),
                device=settings.device,
            )
        except Exception as error:
            raise ModelUnavailableError(
                f"could not load the checkpoint MODERATION_MODEL_CHECKPOINT={settings.checkpoint} "
                f"with MODERATION_MODEL_CONFIG_DIR={settings.config_dir}: "
                f"{type(error).__name__}: {error}"
            ) from error
    else:
        description = f"detoxify '{settings.name}'"
        try:
            detoxify = Detoxify(model_type=settings.name, device=settings.device)
        except Exception as error:
            raise ModelUnavailableError(
                f"could not load the detoxify model MODERATION_MODEL={settings.name}: detoxify "
                f"downloads its weights on first use and that failed ({type(error).__name__}: "
                f"{error}). Without internet access, set MODERATION_MODEL_CHECKPOINT and "
                "MODERATION_MODEL_CONFIG_DIR to a local detoxify checkpoint and its config "
                "folder (README: Choosing the model)."
            ) from error
    forward, confirmation, how = _prepare_runtime(detoxify, settings)
    description += how
    windows = {
        "window_tokens": settings.window_tokens,
        "overlap_tokens": settings.window_overlap_tokens,
    }
    plain = None
    if settings.screen_checkpoint:
        # The same model without the screen, sharing its weights: what analyze answers with.
        plain = DetoxifyScorer(
            detoxify, description, forward=forward, confirm=confirmation, **windows
        )
        forward, confirmation = _screen(detoxify, settings, forward, confirmation)
        description += f", screened by {settings.screen_checkpoint}"
    scorer = DetoxifyScorer(
        detoxify,
        description,
        load_seconds=time.perf_counter() - started,
        forward=forward,
        confirm=confirmation,
        **windows,
    )
    if plain is not None:
        plain.load_seconds = scorer.load_seconds
        scorer.unscreened = plain
    return scorer


def _prepare_runtime(
    detoxify: Any, settings: ModelSettings
) -> tuple[Forward | None, Confirmation | None, str]:
    """How the loaded model runs: the forward function (None: torch in float), the float
    confirmation of int8 scores, and the words the description gets for it."""
    import torch

    how = ""
    runtime, quantize = runtime_choice(settings)
    confirmation = None
    forward = _onnx_unless_torch(detoxify.model, settings.checkpoint or settings.name, settings)
    if runtime == "onnx" and forward is None:
        runtime, quantize = "torch", "none"  # the export failed under "auto"
    if runtime == "onnx":
        how = " (ONNX Runtime)"
        if quantize == "int8" and settings.int8_confirm_logits > 0:
            confirmation = Confirmation(
                _torch_forward(detoxify.model),
                tuple(detoxify.class_names),
                threshold_points(settings),
                settings.int8_confirm_logits,
            )
            how = " (ONNX Runtime, int8, confirmed in float)"
        elif quantize == "int8":
            how = " (ONNX Runtime, int8)"
    elif quantize == "int8":
        detoxify.model = torch.ao.quantization.quantize_dynamic(
            detoxify.model, {torch.nn.Linear}, dtype=torch.qint8
        )
        how = " (int8)"
    return forward, confirmation, how


def _onnx_unless_torch(model: Any, source: str, settings: ModelSettings) -> Forward | None:
    """`model` in ONNX Runtime (int8 when so chosen) when the settings choose it; None for torch:
    when they choose torch, or under "auto" when the export failed (logged). Asked for by name
    (`runtime = "onnx"`), a failed export raises ModelUnavailableError saying why."""
    runtime, quantize = runtime_choice(settings)
    if runtime != "onnx":
        return None
    model.eval()
    try:
        return _onnx_forward(
            model, f"{source}:{_file_stamp(source)}", settings.threads, int8=quantize == "int8"
        )
    except Exception as error:
        if settings.runtime == "onnx":  # asked for by name: say so and stop
            if isinstance(error, ModelUnavailableError):
                raise
            raise ModelUnavailableError(
                f"MODERATION_MODEL_RUNTIME=onnx: {source} could not be exported or quantised "
                f"into {_cache_folder()} ({type(error).__name__}: {error}); point TMPDIR at a "
                "writable folder or set MODERATION_MODEL_RUNTIME=torch"
            ) from error
        # "auto": the same decisions in float, at float's cost, rather than no model.
        log.warning(
            "ONNX Runtime could not run %s (%s: %s); scoring with torch in float",
            source,
            type(error).__name__,
            error,
        )
        return None


def _screen(
    detoxify: Any,
    settings: ModelSettings,
    forward: Forward | None,
    confirmation: Confirmation | None,
) -> tuple[Forward, Confirmation]:
    """The screening model's forward, and the confirmation that gives every window the main
    model's scores (`forward`, itself confirmed in float by `confirmation`) unless the screen
    put it more than `screen_confirm_logits` below every threshold of every label.

    The screening model is a smaller model distilled from the main one (`moderation model
    distill`, decision 0029): it must score the same labels with the same tokenizer, and it
    runs as the main model does (ONNX Runtime with int8 weights on the CPU by default).
    """
    from detoxify import Detoxify

    path = settings.screen_checkpoint
    config_dir = settings.screen_config_dir or str(Path(path).expanduser().parent / "config")
    checkpoint, folder = offline_checkpoint(
        path,
        config_dir,
        names=("MODERATION_MODEL_SCREEN_CHECKPOINT", "MODERATION_MODEL_SCREEN_CONFIG_DIR"),
    )
    _check_teacher(checkpoint, path, settings)
    try:
        screen = Detoxify(
            checkpoint=str(checkpoint), huggingface_config_path=str(folder), device=settings.device
        )
    except Exception as error:
        raise ModelUnavailableError(
            f"could not load the screening model MODERATION_MODEL_SCREEN_CHECKPOINT={path}: "
            f"{type(error).__name__}: {error}"
        ) from error
    labels = tuple(detoxify.class_names)
    if tuple(screen.class_names) != labels:
        raise ModelUnavailableError(
            f"the screening model {path} scores {', '.join(screen.class_names)}, the model "
            f"{', '.join(labels)}: distil it from this model (`moderation model distill`)"
        )
    if screen.tokenizer.get_vocab() != detoxify.tokenizer.get_vocab():
        raise ModelUnavailableError(
            f"the screening model {path} has another tokenizer than the model: distil it from "
            "this model (`moderation model distill`)"
        )
    screen.model.eval()
    screen_forward = _onnx_unless_torch(screen.model, path, settings) or _torch_forward(
        screen.model
    )
    main = forward if forward is not None else _torch_forward(detoxify.model)
    return screen_forward, Confirmation(
        main,
        labels,
        threshold_points(settings),
        settings.screen_confirm_logits,
        inner=confirmation,
        below_only=True,
    )


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_teacher(checkpoint: Path, path: str, settings: ModelSettings) -> None:
    """Refuse a screen distilled from another model than the configured checkpoint: its
    scores would stray from this model's by more than its band was measured for."""
    import torch

    distilled = torch.load(checkpoint, map_location="cpu", weights_only=False)["config"].get(
        "distilled", {}
    )
    wanted = distilled.get("teacher_sha256")
    if not wanted or not settings.checkpoint:
        return
    if file_digest(Path(settings.checkpoint).expanduser()) != wanted:
        raise ModelUnavailableError(
            f"the screening model MODERATION_MODEL_SCREEN_CHECKPOINT={path} was distilled from "
            f"another model ({distilled.get('teacher')}), not "
            f"MODERATION_MODEL_CHECKPOINT={settings.checkpoint}: distil it again from this model "
            "(`moderation model distill`) or unset MODERATION_MODEL_SCREEN_CHECKPOINT"
        )


def _file_stamp(path: str) -> str:
    try:
        stat = Path(path).stat()
    except OSError:
        return "named"
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def offline_checkpoint(
    checkpoint: str,
    config_dir: str,
    names: tuple[str, str] = ("MODERATION_MODEL_CHECKPOINT", "MODERATION_MODEL_CONFIG_DIR"),
) -> tuple[Path, Path]:
    """Check the files, and point the checkpoint's base model at the local config folder.

    detoxify calls `from_pretrained(arch.args.model_type)` even when given a config folder, and
    its checkpoints name a Hub model there, which fails offline. When that is so, a copy with
    `model_type` set to the config folder is written once to the temp folder and loaded instead.
    """
    import torch

    path = Path(checkpoint).expanduser().resolve()
    folder = Path(config_dir).expanduser().resolve()
    if not path.is_file():
        raise ModelUnavailableError(
            f"{names[0]}={checkpoint}: no such file. Point it at a detoxify "
            "checkpoint (.ckpt) or unset it to use MODERATION_MODEL."
        )
    if not (folder / "config.json").is_file():
        raise ModelUnavailableError(
            f"{names[1]}={config_dir}: no config.json there. Point it at the "
            "Hugging Face config and tokenizer folder that belongs to the checkpoint."
        )
    stat = path.stat()
    key = hashlib.sha256(f"{path}:{stat.st_size}:{stat.st_mtime_ns}:{folder}".encode()).hexdigest()
    patched = Path(tempfile.gettempdir()) / "moderation-models" / f"{key[:24]}.ckpt"
    if patched.is_file():
        return patched, folder
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=False)
        arch_args = loaded["config"]["arch"]["args"]
        loaded["state_dict"]
    except Exception as error:
        raise ModelUnavailableError(
            f"{names[0]}={checkpoint} is not a detoxify checkpoint "
            f"(a dict with config.arch.args and state_dict): {type(error).__name__}: {error}"
        ) from error
    if Path(str(arch_args.get("model_type", ""))).is_dir():
        return path, folder
    loaded["config"]["arch"]["args"] = dict(arch_args, model_type=str(folder))
    try:
        patched.parent.mkdir(parents=True, exist_ok=True)
        partial = patched.with_suffix(f".{os.getpid()}.partial")
        torch.save(loaded, partial)
        partial.replace(patched)
    except OSError as error:
        raise ModelUnavailableError(
            f"{names[0]}={checkpoint}: its offline copy could not be written "
            f"to {patched.parent} ({error}); point TMPDIR at a writable folder"
        ) from error
    return patched, folder


def load_language_model(settings: ModelSettings, entry: LanguageModel) -> Scorer:
    """Load the model one `[model.languages.<code>]` entry names.

    A detoxify name or checkpoint loads as the default model does (same device, threads,
    quantisation, runtime and windows); an adapter class is imported and called with the
    entry's `options` as keyword arguments. Raises ModelUnavailableError saying why.
    """
    if entry.adapter:
        return load_adapter(entry.adapter, entry.options)
    return load_scorer(
        dataclasses.replace(
            settings,
            name=entry.name or settings.name,
            checkpoint=entry.checkpoint,
            config_dir=entry.config_dir,
            # The screening model is the default model's student, not this one's.
            screen_checkpoint="",
            screen_config_dir="",
        )
    )


def load_adapter(path: str, options: Mapping[str, Any]) -> Scorer:
    """Import "package.module:Class", build it with `options`, and check it is a Scorer."""
    module_name, _, class_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise ModelUnavailableError(
            f"adapter {path}: cannot import {module_name} ({type(error).__name__}: {error}); "
            "is the package installed in the worker's environment?"
        ) from error
    factory = getattr(module, class_name, None)
    if not callable(factory):
        raise ModelUnavailableError(f"adapter {path}: {module_name} has no class {class_name}")
    try:
        scorer = factory(**options)
    except Exception as error:
        raise ModelUnavailableError(
            f"adapter {path} failed to start with options {sorted(options)}: "
            f"{type(error).__name__}: {error}"
        ) from error
    labels = getattr(scorer, "labels", None)
    missing = [
        name
        for name, ok in (
            ("labels (a tuple of label names)", isinstance(labels, tuple) and bool(labels)),
            ("description (a string)", isinstance(getattr(scorer, "description", None), str)),
            ("score(texts)", callable(getattr(scorer, "score", None))),
        )
        if not ok
    ]
    if missing:
        raise ModelUnavailableError(
            f"adapter {path} does not implement the Scorer protocol: it lacks "
            f"{', '.join(missing)} (docs/models.md)"
        )
    loaded: Scorer = scorer
    return loaded
