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


def plan(request: dict[str, Any], detect: Any = english, limit: int = 20480) -> Any:
    return plan_analysis(request, LABELS, ["en"], detect, limit)


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
