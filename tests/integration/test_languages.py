"""Languages on purpose, through the worker's real decision path: comments posted over the API,
scored by a real burst-mode worker that loads real models, read back from the review API.

Two tiny detoxify checkpoints with opposite outputs prove the routing: the default one scores
everything near 0 (published), the "toxic" one near 1 (rejected), so a comment's fate says
which model read it. A site's own classifier comes in through its adapter class
(tests/support/adapters.py), loaded by path as docs/models.md describes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from moderation.config import Settings
from moderation.pipeline.routing import load_router
from moderation.scoring.context import build_context
from moderation.worker.runner import run_worker
from tests.support.adapters import KeywordScorer
from tests.support.settings import make_settings

# How the default settings run a detoxify model on the CPU (decision 0028).
RUNS = " (ONNX Runtime, int8, confirmed in float)"

ENGLISH = "Thanks for the report on the council vote."
FRENCH = "Merci beaucoup pour cet article très intéressant sur le conseil municipal."
SPANISH = "Muchas gracias por este artículo tan interesante sobre el ayuntamiento."
GERMAN = "Vielen Dank für diesen ausgezeichneten Artikel über die Stadtratswahl."
ARABIC = "شكرا جزيلا على هذا المقال الرائع عن الاقتصاد العراقي"
ARABIC_BANNED = "انت شرموطة وكلامك فارغ"  # a banned term of config/rules/ar/banned.txt
ARABIC_INSULT = "هذا الكاتب حقير"  # "this writer is despicable": no rule, the adapter's word
KURDISH = "ئەم وتارە زۆر باشە، سوپاس بۆ ئێوە"  # Sorani, in the Arabic script


@pytest.fixture(scope="module")
def toxic_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny checkpoint that scores every text near 1: what it reads, it rejects."""
    from tests.support.tiny_model import build_tiny_checkpoint

    return build_tiny_checkpoint(tmp_path_factory.mktemp("toxic-model"), bias=6.0)


def routed_settings(
    database_url: str, redis_url: str, tiny_model: tuple[Path, Path], **model: Any
) -> Settings:
    return make_settings(database_url, redis_url, tiny_model, model=model)


def post(client: Any, text: str, author: str = "reader") -> int:
    answer = client.post(
        "/v1/articles/a-1/comments", json={"author": {"id": author, "name": "R"}, "text": text}
    )
    assert answer.status_code == 202, answer.json
    return int(answer.json["id"])


def detail(client: Any, comment_id: int) -> Any:
    from tests.support.settings import MODERATOR_TOKEN, bearer

    found = client.get(f"/v1/review/comments/{comment_id}", headers=bearer(MODERATOR_TOKEN))
    assert found.status_code == 200, found.json
    return found.json


def reason_ids(found: Any) -> set[str]:
    return {reason["id"] for reason in found["reasons"]}


def test_each_language_is_decided_by_its_own_model_or_held_for_a_person(
    app: Any,
    client: Any,
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    toxic_model: tuple[Path, Path],
) -> None:
    settings = routed_settings(
        database_url,
        redis_url,
        tiny_model,
        languages={"fr": {"checkpoint": str(toxic_model[0]), "config_dir": str(toxic_model[1])}},
    )
    ids = {
        name: post(client, text, author=name)
        for name, text in {
            "en": ENGLISH,
            "fr": FRENCH,
            "de": GERMAN,
            "ar": ARABIC,
            "ar_banned": ARABIC_BANNED,
            "ku": KURDISH,
        }.items()
    }
    run_worker(settings, burst=True)
    found = {name: detail(client, comment_id) for name, comment_id in ids.items()}

    # English: the default model, which serves it, published it.
    assert found["en"]["status"] == "approved"
    assert found["en"]["language"]["code"] == "en"
    assert found["en"]["language"]["routing"] == "served"
    assert found["en"]["model"] == f"checkpoint {tiny_model[0]}{RUNS}"

    # French: its own model read it (and, being the toxic one, rejected it).
    assert found["fr"]["status"] == "rejected"
    assert found["fr"]["language"]["code"] == "fr" and found["fr"]["language"]["confidence"] > 0.9
    assert found["fr"]["model"] == f"checkpoint {toxic_model[0]}{RUNS}"
    assert "toxicity" in reason_ids(found["fr"])

    # German, Arabic and Kurdish: no loaded model serves them; never the English model.
    for name in ("de", "ar", "ku"):
        held = found[name]
        assert held["status"] == "held", (name, held)
        assert held["reason_code"] == "awaiting_review"
        assert held["model"] is None and held["scores"] == {}
        assert held["language"]["routing"] == "unsupported"
        unsupported = [r for r in held["reasons"] if r["id"] == "language_unsupported"]
        assert unsupported == [
            {
                "kind": "language",
                "id": "language_unsupported",
                "action": "hold",
                "message": unsupported[0]["message"],
                "language": name,
            }
        ]
    assert found["ku"]["language"]["code"] == "ku"  # Sorani is identified as Kurdish

    # Arabic rules still apply: a banned Arabic term rejects, spans point at it.
    banned = found["ar_banned"]
    assert banned["status"] == "rejected" and banned["reason_code"] == "offensive_language"
    hit = next(r for r in banned["reasons"] if r["id"] == "banned_terms")
    begin, end = hit["spans"][0]
    assert ARABIC_BANNED[begin:end] == "شرموطة"
    assert banned["language"]["code"] == "ar"


def test_the_audit_trail_says_why_a_language_was_held(
    app: Any, client: Any, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    settings = routed_settings(database_url, redis_url, tiny_model)
    comment_id = post(client, GERMAN)
    run_worker(settings, burst=True)
    audit = detail(client, comment_id)["audit"]
    assert "language_unsupported: de (held)" in audit[-1]["reason"]


def test_one_model_named_by_two_languages_is_loaded_once_and_called_once_per_batch(
    app: Any, client: Any, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    adapter = {
        "adapter": "tests.support.adapters:KeywordScorer",
        "options": {"words": ["idiota", "imbécile"], "name": "romance"},
    }
    settings = routed_settings(
        database_url, redis_url, tiny_model, languages={"fr": adapter, "es": adapter}
    )
    context = build_context(settings)
    router = context.pipeline.router
    assert router is not None
    assert router.routes["fr"].model is router.routes["es"].model
    assert len(router.models()) == 2  # the default and the shared one
    assert context.model_loads == 2
    assert context.status()["languages"]["fr"]["model"] == "adapter romance (2 words)"

    before = len(KeywordScorer.loaded)
    french, spanish, english = post(client, FRENCH), post(client, SPANISH), post(client, ENGLISH)
    run_worker(settings, burst=True)
    (worker_scorer,) = KeywordScorer.loaded[before:]  # the worker built it once
    assert worker_scorer.batches == [[FRENCH, SPANISH]]  # one call for both languages
    for comment_id, code in ((french, "fr"), (spanish, "es")):
        found = detail(client, comment_id)
        assert found["status"] == "approved"
        assert found["model"] == "adapter romance (2 words)"
        assert found["language"] == {
            "code": code,
            "confidence": found["language"]["confidence"],
            "routing": "served",
        }
    assert detail(client, english)["model"] == f"checkpoint {tiny_model[0]}{RUNS}"


def test_a_site_plugs_in_its_own_arabic_classifier_through_an_adapter(
    app: Any, client: Any, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    settings = routed_settings(
        database_url,
        redis_url,
        tiny_model,
        languages={
            "ar": {
                "adapter": "tests.support.adapters:KeywordScorer",
                "options": {"words": ["حقير"], "name": "arabic-site"},
                # The adapter's own levels for Arabic; the default ones for other labels.
                "thresholds": {"toxicity": {"hold": 0.5, "reject": 0.9}},
            }
        },
    )
    clean, insult, banned = (
        post(client, ARABIC),
        post(client, ARABIC_INSULT),
        post(client, ARABIC_BANNED),
    )
    run_worker(settings, burst=True)
    published = detail(client, clean)
    assert published["status"] == "approved"
    assert published["model"] == "adapter arabic-site (1 words)"
    assert published["language"]["routing"] == "served"
    assert published["scores"] == {"toxicity": 0.01, "insult": 0.01}
    rejected = detail(client, insult)
    assert rejected["status"] == "rejected" and rejected["reason_code"] == "toxic_language"
    toxicity = next(r for r in rejected["reasons"] if r["id"] == "toxicity")
    assert (toxicity["hold"], toxicity["reject"]) == (0.5, 0.9)
    # The rules still run first: the banned term rejects before the adapter sees it.
    assert detail(client, banned)["reasons"][0]["id"] == "banned_terms"


def test_publish_setting_publishes_unsupported_languages_on_the_rules_alone(
    app: Any, client: Any, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    settings = routed_settings(database_url, redis_url, tiny_model, unsupported_language="publish")
    clean, banned = post(client, ARABIC), post(client, ARABIC_BANNED)
    run_worker(settings, burst=True)
    published = detail(client, clean)
    assert published["status"] == "approved"
    assert published["model"] is None
    note = next(r for r in published["reasons"] if r["id"] == "language_unsupported")
    assert note["action"] is None and "rules alone" in note["message"]
    assert detail(client, banned)["status"] == "rejected"


def test_a_trusted_author_in_an_unsupported_language_still_waits_for_a_person(
    app: Any, client: Any, database_url: str, redis_url: str, tiny_model: tuple[Path, Path]
) -> None:
    from tests.support.settings import MODERATOR_TOKEN, bearer

    settings = routed_settings(database_url, redis_url, tiny_model)
    trusted = client.post(
        "/v1/authors/trusted-one/trust", headers=bearer(MODERATOR_TOKEN), json={"reason": "x"}
    )
    assert trusted.status_code in (200, 204), trusted.json
    comment_id = post(client, ARABIC, author="trusted-one")
    run_worker(settings, burst=True)
    assert detail(client, comment_id)["status"] == "held"


def test_a_language_model_that_cannot_load_holds_its_language_and_says_why(
    app: Any,
    client: Any,
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # detoxify's multilingual model serves French, but downloads its weights on first use:
    # with an empty cache and no network it cannot load.
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = routed_settings(
        database_url, redis_url, tiny_model, languages={"fr": {"name": "multilingual"}}
    )
    router = load_router(settings.model)
    failed = router.routes["fr"].model
    assert failed.scorer is None and failed.error is not None
    assert failed.error.startswith("model.languages.fr (detoxify 'multilingual'): ")
    assert "MODERATION_MODEL_CHECKPOINT" in failed.error  # the way out, offline
    assert router.routes["en"].model.scorer is not None  # the default model is unharmed

    french, english = post(client, FRENCH), post(client, ENGLISH)
    run_worker(settings, burst=True)
    held = detail(client, french)
    assert held["status"] == "held"
    unavailable = next(r for r in held["reasons"] if r["id"] == "model_unavailable")
    assert "model.languages.fr" in unavailable["message"]
    assert detail(client, english)["status"] == "approved"
