"""The pure Perspective mapping: request checks, thresholds, and sentence offsets (hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation.perspective.analyze import (
    AnalyzeRequestError,
    build_response,
    plan_analysis,
    sentence_spans,
)

LABELS = ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]


def english(_: str) -> tuple[str, float]:
    return "en", 0.99


def german(_: str) -> tuple[str, float]:
    return "de", 0.99


def plan(
    request: dict[str, Any],
    detect: Any = english,
    limit: int = 20480,
    served: dict[str, list[str]] | None = None,
) -> Any:
    return plan_analysis(request, served or {"en": LABELS}, detect, limit, "en")


def request(text: str = "A fine day.", **extra: Any) -> dict[str, Any]:
    return {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, **extra}


sentence_text = st.text(
    alphabet=st.sampled_from([*list("abc xyzé日本🙂.!?…\n\t,'"), "\xa0", "\u2028", "。"]),
    max_size=200,
)


@given(sentence_text)
def test_spans_index_the_text_as_sent(text: str) -> None:
    spans = sentence_spans(text)
    previous_end = 0
    for begin, end in spans:
        assert previous_end <= begin < end <= len(text)
        piece = text[begin:end]
        assert piece == piece.strip() and piece
        previous_end = end
    covered = {index for begin, end in spans for index in range(begin, end)}
    assert all(text[index].isspace() for index in range(len(text)) if index not in covered)


@given(st.lists(st.text(alphabet="abcdéü日本語🙂 ,", min_size=1, max_size=30), max_size=8))
def test_each_sentence_is_one_span(sentences: list[str]) -> None:
    sentences = [s.strip() + "." for s in sentences if s.strip()]
    text = " ".join(sentences)
    found = [text[begin:end] for begin, end in sentence_spans(text)]
    assert found == sentences


def test_span_offsets_reach_the_scores_of_their_sentences() -> None:
    text = "Grüße aus Köln 🙂. You are an idiot! Thanks."
    planned = plan(request(text, spanAnnotations=True))
    assert planned.texts[1:] == ("Grüße aus Köln 🙂.", "You are an idiot!", "Thanks.")
    scores = [{"toxicity": 0.9}, {"toxicity": 0.1}, {"toxicity": 0.95}, {"toxicity": 0.0}]
    answer = build_response(planned, scores)
    spans = answer["attributeScores"]["TOXICITY"]["spanScores"]
    assert [text[s["begin"] : s["end"]] for s in spans] == list(planned.texts[1:])
    assert spans[1]["score"] == {"value": 0.95, "type": "PROBABILITY"}


def test_attributes_under_their_threshold_are_left_out() -> None:
    planned = plan(
        {
            "comment": {"text": "hello"},
            "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.5}, "INSULT": {}},
            "clientToken": "t-1",
        }
    )
    answer = build_response(planned, [{"toxicity": 0.2, "insult": 0.1}])
    assert list(answer["attributeScores"]) == ["INSULT"]
    assert answer["clientToken"] == "t-1"
    assert answer["languages"] == ["en"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (request(""), "non-empty"),
        (request("   "), "non-empty"),
        ({"comment": {"text": "hi"}}, "requestedAttributes"),
        (request(requestedAttributes={"NOPE": {}}), "NOPE"),
        (request(requestedAttributes={"SEXUALLY_EXPLICIT": {}}), "SEXUALLY_EXPLICIT"),
        (request(requestedAttributes={"FLIRTATION": {}}), "FLIRTATION"),
        (request(requestedAttributes={"TOXICITY": {"scoreType": "PERCENTILE"}}), "PERCENTILE"),
        (request(languages=["fr"]), "fr"),
        (request(comment={"text": "<b>x</b>", "type": "HTML"}), "HTML"),
    ],
)
def test_bad_requests_name_what_is_wrong(body: dict[str, Any], named: str) -> None:
    with pytest.raises(AnalyzeRequestError, match=named):
        plan(body)


def test_text_over_the_byte_limit_is_refused() -> None:
    with pytest.raises(AnalyzeRequestError, match="too long"):
        plan(request("é" * 11), limit=20)


def test_confidently_detected_unsupported_language_is_refused_unless_languages_given() -> None:
    with pytest.raises(AnalyzeRequestError, match="de"):
        plan(request("Das ist ein Artikel."), detect=german)
    assert plan(request("Das ist ein Artikel.", languages=["en"]), detect=german).languages == (
        "en",
    )


def french(_: str) -> tuple[str, float]:
    return "fr", 0.99


def unsure(_: str) -> tuple[str, float]:
    return "de", 0.4


# The default model serves en; a French model with fewer labels serves fr.
TWO_MODELS = {"en": LABELS, "fr": ["toxicity", "insult"]}


def test_every_language_a_loaded_model_serves_is_accepted_and_routes_to_its_model() -> None:
    detected = plan(request("Merci pour l'article."), detect=french, served=TWO_MODELS)
    assert detected.languages == ("fr",) and detected.model_language == "fr"
    asked = plan(request("Merci.", languages=["fr-CA"]), served=TWO_MODELS)
    assert asked.languages == ("fr-ca",) and asked.model_language == "fr"
    # Too unsure to tell: the default model's language scores it.
    short = plan(request("Ja."), detect=unsure, served=TWO_MODELS)
    assert short.languages == ("en",) and short.model_language == "en"


def test_a_language_no_model_serves_is_named_with_the_languages_served() -> None:
    with pytest.raises(AnalyzeRequestError) as refused:
        plan(request("Hallo.", languages=["de", "ar"]), served=TWO_MODELS)
    assert "de, ar" in str(refused.value) and "this service serves: en, fr" in str(refused.value)


def test_attributes_are_checked_against_the_model_of_the_language() -> None:
    with pytest.raises(AnalyzeRequestError, match="THREAT"):
        plan(request(requestedAttributes={"THREAT": {}}, languages=["fr"]), served=TWO_MODELS)
    assert plan(request(requestedAttributes={"THREAT": {}}), served=TWO_MODELS).attributes


def test_unsupported_attributes_can_be_dropped() -> None:
    planned = plan(
        request(
            requestedAttributes={"TOXICITY": {}, "SEXUALLY_EXPLICIT": {}},
            dropUnsupportedAttributes=True,
        )
    )
    assert [attribute.name for attribute in planned.attributes] == ["TOXICITY"]


def test_discovery_document_describes_the_published_schemas() -> None:
    import json

    from moderation.perspective.discovery import SCHEMAS, discovery_document
    from tests.support.shared import SHARED_SPECS, shared_file

    spec_file = shared_file(
        SHARED_SPECS / "perspective-commentanalyzer-v1alpha1.openapi.json",
        "Perspective's published API",
    )
    published = json.loads(spec_file.read_text())["components"]["schemas"]
    assert set(SCHEMAS) == set(published)
    for name, schema in published.items():
        assert set(SCHEMAS[name]["properties"]) == set(schema["properties"]), name
    document = discovery_document("https://moderation.example")
    assert document["rootUrl"] == "https://moderation.example/"
    assert set(document["resources"]["comments"]["methods"]) == {"analyze", "suggestscore"}
