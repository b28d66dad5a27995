"""Perspective API's analyze call as a pure mapping: request in, texts to score, response out.

`plan_analysis` checks a parsed AnalyzeCommentRequest against what the loaded models serve
(per language, the labels of the model that serves it), picks the language whose model scores
it, and lists the texts a worker must score (the comment, then each sentence when span
annotations are asked for). `build_response` turns those texts' scores into an
AnalyzeCommentResponse. Nothing here touches the network; the web process plans, a worker
scores, the web process answers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

# Perspective's attribute names and the detoxify label each one is read from.
ATTRIBUTE_LABELS = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "IDENTITY_ATTACK": "identity_attack",
    "INSULT": "insult",
    "PROFANITY": "obscene",
    "THREAT": "threat",
    "SEXUALLY_EXPLICIT": "sexual_explicit",
}
# Attributes Perspective knows that no detoxify label answers: named as unsupported, not unknown.
OTHER_PERSPECTIVE_ATTRIBUTES = frozenset(
    {
        "FLIRTATION",
        "ATTACK_ON_AUTHOR",
        "ATTACK_ON_COMMENTER",
        "INCOHERENT",
        "INFLAMMATORY",
        "LIKELY_TO_REJECT",
        "OBSCENE",
        "SPAM",
        "UNSUBSTANTIAL",
        "AFFINITY_EXPERIMENTAL",
        "COMPASSION_EXPERIMENTAL",
        "CURIOSITY_EXPERIMENTAL",
        "NUANCE_EXPERIMENTAL",
        "PERSONAL_STORY_EXPERIMENTAL",
        "REASONING_EXPERIMENTAL",
        "RESPECT_EXPERIMENTAL",
    }
)
SCORE_TYPES_SERVED = frozenset({"PROBABILITY", "SCORE_TYPE_UNSPECIFIED"})
TEXT_TYPES_SERVED = frozenset({"PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"})
# A sentence ends at ., !, ? or … (and CJK full stops) followed by space, or at a line break.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…。！？])\s+|\n\s*")


class AnalyzeRequestError(ValueError):
    """The request cannot be served; the message names the field or value (400 INVALID_ARGUMENT)."""


@dataclasses.dataclass(frozen=True)
class AttributeRequest:
    """One requested attribute: the label it is read from and the threshold under which it hides."""

    name: str
    label: str
    threshold: float | None


@dataclasses.dataclass(frozen=True)
class AnalyzePlan:
    """What a worker must score for one analyze call, and what the answer must echo."""

    attributes: tuple[AttributeRequest, ...]
    texts: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    languages: tuple[str, ...]
    detected_languages: tuple[str, ...]
    client_token: str | None
    # The language whose model scores the texts (a worker routes by it).
    model_language: str = ""


LanguageDetector = Callable[[str], tuple[str, float]]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[begin, end) offsets of each sentence in `text`, trimmed of surrounding white space.

    Offsets index `text` itself (Python characters, i.e. code points), so `text[begin:end]` is
    the sentence as sent.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        _add_trimmed(text, start, match.start(), spans)
        start = match.end()
    _add_trimmed(text, start, len(text), spans)
    return spans


def _add_trimmed(text: str, begin: int, end: int, spans: list[tuple[int, int]]) -> None:
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    if end > begin:
        spans.append((begin, end))


def plan_analysis(
    request: Mapping[str, Any],
    served: Mapping[str, Collection[str]],
    detect_language: LanguageDetector,
    max_text_bytes: int,
    fallback: str = "",
) -> AnalyzePlan:
    """Check a parsed AnalyzeCommentRequest and list the texts to score.

    `served` maps each language a loaded model serves to that model's labels; `fallback` is the
    language of the default model, which scores texts whose language is too unsure to tell.
    Raises AnalyzeRequestError, naming the field or value, for what cannot be served.
    """
    comment = request.get("comment") or {}
    text = comment.get("text")
    if not isinstance(text, str) or not text.strip():
        raise AnalyzeRequestError("Comment must be non-empty (comment.text).")
    size = len(text.encode("utf-8"))
    if size > max_text_bytes:
        raise AnalyzeRequestError(
            f"Comment text too long: comment.text is {size} bytes, the limit is "
            f"{max_text_bytes} bytes."
        )
    text_type = comment.get("type") or "TEXT_TYPE_UNSPECIFIED"
    if text_type not in TEXT_TYPES_SERVED:
        raise AnalyzeRequestError(f"comment.type {text_type} is not supported; send PLAIN_TEXT.")
    requested_attributes = request.get("requestedAttributes") or {}
    if not requested_attributes:
        raise AnalyzeRequestError("requestedAttributes must name at least one attribute.")
    first = str(next(iter(requested_attributes)))
    detected, confidence = detect_language(text)
    requested = [str(language).lower() for language in request.get("languages") or []]
    serves = ", ".join(sorted(served)) or "none (no model is loaded)"
    if requested:
        unsupported = [lang for lang in requested if _base(lang) not in served]
        if unsupported:
            raise AnalyzeRequestError(
                f"Attribute {first} does not support request languages: "
                f"{', '.join(unsupported)} (this service serves: {serves})"
            )
        used = requested
    elif confidence >= 0.9 and _base(detected) not in served:
        # Like Perspective: with no languages given, a confidently detected language decides.
        raise AnalyzeRequestError(
            f"Attribute {first} does not support request languages: {detected} "
            f"(detected; this service serves: {serves}; send `languages` to choose)"
        )
    elif confidence >= 0.9:
        used = [_base(detected)]
    else:
        if fallback not in served:
            raise AnalyzeRequestError(
                "The comment's language could not be told apart with confidence and the default "
                f"model is not loaded; send `languages` (this service serves: {serves})."
            )
        used = [fallback]
    model_language = _base(used[0])
    attributes = _attributes(
        requested_attributes,
        set(served[model_language]),
        bool(request.get("dropUnsupportedAttributes")),
    )
    spans = tuple(sentence_spans(text)) if request.get("spanAnnotations") else ()
    token = request.get("clientToken")
    return AnalyzePlan(
        attributes=tuple(attributes),
        texts=(text, *(text[begin:end] for begin, end in spans)),
        spans=spans,
        languages=tuple(used),
        detected_languages=(detected,) if confidence >= 0.5 else (),
        client_token=token if isinstance(token, str) else None,
        model_language=model_language,
    )


def _base(language: str) -> str:
    """ "en-US" and "en_gb" are served by "en"."""
    return re.split(r"[-_]", language, maxsplit=1)[0].lower()


def _attributes(
    requested: Mapping[str, Any], labels: set[str], drop_unsupported: bool
) -> list[AttributeRequest]:
    chosen = []
    for name, parameters in requested.items():
        parameters = parameters or {}
        label = ATTRIBUTE_LABELS.get(name)
        if label is None and name not in OTHER_PERSPECTIVE_ATTRIBUTES:
            raise AnalyzeRequestError(f"Unknown attribute: {name} (requestedAttributes).")
        if label is None or label not in labels:
            if drop_unsupported:
                continue
            raise AnalyzeRequestError(
                f"Attribute {name} is not supported by the loaded model "
                "(set dropUnsupportedAttributes to skip it)."
            )
        score_type = parameters.get("scoreType") or "SCORE_TYPE_UNSPECIFIED"
        if score_type not in SCORE_TYPES_SERVED:
            raise AnalyzeRequestError(
                f"requestedAttributes.{name}.scoreType {score_type} is not supported; "
                "only PROBABILITY is served."
            )
        threshold = parameters.get("scoreThreshold")
        if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
            raise AnalyzeRequestError(
                f"requestedAttributes.{name}.scoreThreshold must be between 0 and 1."
            )
        chosen.append(
            AttributeRequest(name, label, None if threshold is None else float(threshold))
        )
    if not chosen:
        raise AnalyzeRequestError(
            "None of the requested attributes is supported by the loaded model "
            f"({', '.join(requested)})."
        )
    return chosen


def build_response(plan: AnalyzePlan, scores: Sequence[Mapping[str, float]]) -> dict[str, Any]:
    """An AnalyzeCommentResponse from the scores of `plan.texts`, in the same order."""
    if len(scores) != len(plan.texts):
        raise ValueError(f"expected {len(plan.texts)} scores, got {len(scores)}")
    summary, sentences = scores[0], scores[1:]
    attribute_scores: dict[str, Any] = {}
    for attribute in plan.attributes:
        value = float(summary.get(attribute.label, 0.0))
        if attribute.threshold is not None and value < attribute.threshold:
            continue
        entry: dict[str, Any] = {"summaryScore": _score(value)}
        if plan.spans:
            entry["spanScores"] = [
                {"begin": begin, "end": end, "score": _score(float(row.get(attribute.label, 0.0)))}
                for (begin, end), row in zip(plan.spans, sentences, strict=True)
                if attribute.threshold is None
                or float(row.get(attribute.label, 0.0)) >= attribute.threshold
            ]
        attribute_scores[attribute.name] = entry
    response: dict[str, Any] = {
        "attributeScores": attribute_scores,
        "languages": list(plan.languages),
        "detectedLanguages": list(plan.detected_languages),
    }
    if plan.client_token is not None:
        response["clientToken"] = plan.client_token
    return response


def _score(value: float) -> dict[str, Any]:
    return {"value": round(value, 6), "type": "PROBABILITY"}
