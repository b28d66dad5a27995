"""Perspective's analyze accepts every language a loaded model serves, and scores each with the
model of its language: the Flask app, real Redis, the real drain job in a thread, two tiny
models with opposite outputs (the French one scores everything near 1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderation.config import Settings
from tests.support.analysis import draining_analysis
from tests.support.settings import make_settings

KEY = "newsroom-key-0123456789abcdef"
ANALYZE = "/v1alpha1/comments:analyze"
FRENCH = "Merci beaucoup pour cet article très intéressant sur le conseil municipal."
ENGLISH = "Thanks for the report on the council vote."
GERMAN = "Vielen Dank für diesen ausgezeichneten Artikel über die Stadtratswahl."


@pytest.fixture(scope="module")
def toxic_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from tests.support.tiny_model import build_tiny_checkpoint

    return build_tiny_checkpoint(tmp_path_factory.mktemp("toxic-model"), bias=6.0)


@pytest.fixture
def settings(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    toxic_model: tuple[Path, Path],
) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        tiny_model,
        model={
            "languages": {
                "fr": {"checkpoint": str(toxic_model[0]), "config_dir": str(toxic_model[1])}
            }
        },
        perspective={"api_keys": [f"newsroom:{KEY}:100"], "deadline_ms": 5000},
    )


@pytest.fixture
def drainer(settings: Settings, app: Any) -> Iterator[None]:
    with draining_analysis(settings):
        yield


def toxicity(client: Any, text: str, **extra: Any) -> Any:
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, **extra}
    return client.post(f"{ANALYZE}?key={KEY}", json=body)


def test_each_language_is_scored_by_its_own_model(client: Any, drainer: None) -> None:
    french = toxicity(client, FRENCH)
    assert french.status_code == 200, french.json
    assert french.json["languages"] == ["fr"] and french.json["detectedLanguages"] == ["fr"]
    assert french.json["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.9
    english = toxicity(client, ENGLISH, languages=["en"])
    assert english.json["attributeScores"]["TOXICITY"]["summaryScore"]["value"] < 0.1
    asked = toxicity(client, "Merci.", languages=["fr"])
    assert asked.json["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.9


def test_a_language_no_model_serves_is_refused_in_google_s_shape(
    client: Any, drainer: None
) -> None:
    asked = toxicity(client, ENGLISH, languages=["de"])
    assert asked.status_code == 400
    error = asked.json["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert "does not support request languages: de" in error["message"]
    assert "this service serves: en, fr" in error["message"]
    detected = toxicity(client, GERMAN)
    assert detected.status_code == 400
    assert "de (detected; this service serves: en, fr" in detected.json["error"]["message"]
