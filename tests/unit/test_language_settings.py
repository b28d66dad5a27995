"""[model] language settings: which model serves which language, checked once at start-up."""

from __future__ import annotations

from typing import Any

import pytest

from moderation.config import SettingsError, Thresholds, load_settings


def model(environ: dict[str, str] | None = None, **values: Any) -> Any:
    return load_settings(environ=environ or {}, overrides={"model": values}).model


def test_defaults_serve_english_and_hold_the_rest() -> None:
    settings = model()
    assert settings.languages == {} and settings.unsupported_language == "hold"
    assert settings.default_languages == ("en",)  # detoxify 'unbiased'
    assert model(name="multilingual").default_languages == (
        "en",
        "fr",
        "es",
        "it",
        "pt",
        "ru",
        "tr",
    )
    assert model(checkpoint="/m.ckpt", config_dir="/m").default_languages == ("en",)
    served = model(checkpoint="/m.ckpt", config_dir="/m", languages_served=["en", "de"])
    assert served.default_languages == ("en", "de")
    assert "ar" in load_settings(environ={}).rules.languages


def test_a_language_table_with_its_own_thresholds_over_the_default_ones() -> None:
    settings = model(
        languages={
            "fr": {"name": "multilingual", "thresholds": {"toxicity": {"hold": 0.6}}},
            "es": {"name": "multilingual"},
        }
    )
    assert settings.languages["fr"].name == "multilingual"
    fr = settings.language_thresholds("fr")
    assert fr["toxicity"] == Thresholds(0.6, settings.thresholds["toxicity"].reject)
    assert fr["insult"] == settings.thresholds["insult"]
    assert settings.language_thresholds("es") == settings.thresholds


def test_the_environment_adds_a_language_model() -> None:
    settings = model(
        {
            "MODERATION_MODEL_LANGUAGES_FR_NAME": "multilingual",
            "MODERATION_MODEL_LANGUAGES_AR_ADAPTER": "site_models.arabic:Classifier",
            "MODERATION_MODEL_LANGUAGES_SERVED": "en",
            "MODERATION_MODEL_UNSUPPORTED_LANGUAGE": "publish",
        }
    )
    assert settings.languages["fr"].name == "multilingual"
    assert settings.languages["ar"].adapter == "site_models.arabic:Classifier"
    assert settings.languages_served == ["en"] and settings.unsupported_language == "publish"


@pytest.mark.parametrize(
    ("values", "environ", "named"),
    [
        ({"unsupported_language": "ignore"}, {}, "model.unsupported_language"),
        ({"language_min_confidence": 1.5}, {}, "model.language_min_confidence"),
        ({"language_min_letters": -1}, {}, "model.language_min_letters"),
        ({"languages": {"de": {"name": "multilingual"}}}, {}, "does not serve 'de'"),
        ({"languages": {"fr": {"name": "gigantic"}}}, {}, "model.languages.fr.name"),
        ({"languages": {"fr": {"name": "multilingual", "checkpoint": "/x"}}}, {}, "twice"),
        ({"languages": {"fr": {"checkpoint": "/x.ckpt"}}}, {}, "model.languages.fr.config_dir"),
        ({"languages": {"fr": {"adapter": "not a path"}}}, {}, "package.module:Class"),
        ({"languages": {"fr": {"options": {"x": 1}}}}, {}, "set adapter too"),
        ({"languages": {"fr": {"model": "multilingual"}}}, {}, "unknown key(s) model"),
        ({"languages": {"fr": "multilingual"}}, {}, "must be a table"),
        ({"languages": {"ar": {}}}, {}, "does not serve 'ar'"),
        ({"languages": {"ckb": {"name": "unbiased"}}}, {}, "reports it as 'ku'"),
        ({"languages": {"FR": {"name": "multilingual"}}}, {}, "lower case"),
        (
            {"languages": {"en": {"thresholds": {"toxicity": {"hold": 0.99}}}}},
            {},
            "model.languages.en.thresholds.toxicity",
        ),
        ({"languages": {"en": {"thresholds": {"toxicity": {"block": 1}}}}}, {}, "block"),
        ({"languages_served": ["en", "ar"]}, {}, "'unbiased' does not serve"),
        ({}, {"MODERATION_MODEL_LANGUAGES_FR_THRESHOLDS": "x"}, "in the configuration file"),
    ],
)
def test_bad_language_settings_stop_start_up_naming_the_setting(
    values: dict[str, Any], environ: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        model(environ, **values)
    assert named in str(refused.value)


def test_perspective_accepts_every_served_language_unless_limited() -> None:
    assert load_settings(environ={}).perspective.languages == []
    with pytest.raises(SettingsError, match=r"perspective\.languages"):
        load_settings(environ={"MODERATION_PERSPECTIVE_LANGUAGES": "EN"})
