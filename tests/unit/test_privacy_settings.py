"""The `[retention]` and `[privacy]` settings, checked at start-up naming the setting, and the
pseudonym an erasure leaves: keyed, per site, the same each time."""

from __future__ import annotations

import pytest

from moderation.config import SettingsError, load_settings
from moderation.errors import UnavailableError
from moderation.privacy.pseudonyms import pseudonym, pseudonym_key
from tests.support.settings import NEW_WEBHOOK_KEY, WEBHOOK_KEY


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MODERATION_RETENTION_COMMENT_TEXT_DAYS": "-1"}, "retention.comment_text_days"),
        ({"MODERATION_RETENTION_FEEDBACK_DAYS": "36501"}, "retention.feedback_days"),
        ({"MODERATION_RETENTION_DELIVERY_DAYS": "soon"}, "MODERATION_RETENTION_DELIVERY_DAYS"),
        ({"MODERATION_RETENTION_PURGE_EVERY_SECONDS": "5"}, "retention.purge_every_seconds"),
        ({"MODERATION_RETENTION_PURGE_BATCH_SIZE": "0"}, "retention.purge_batch_size"),
        ({"MODERATION_PRIVACY_PSEUDONYM_KEY": "short"}, "privacy.pseudonym_key"),
    ],
)
def test_bad_privacy_settings_stop_start_up_naming_the_setting(
    environ: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named.replace(".", r"\.")):
        load_settings(environ=environ)


def test_retention_keeps_everything_by_default() -> None:
    retention = load_settings(environ={}).retention
    assert (
        retention.comment_text_days,
        retention.audit_detail_days,
        retention.delivery_days,
        retention.feedback_days,
    ) == (0, 0, 0, 0)


def test_a_pseudonym_is_keyed_per_site_and_stable() -> None:
    own = load_settings(environ={"MODERATION_PRIVACY_PSEUDONYM_KEY": "k" * 32})
    other = load_settings(environ={"MODERATION_PRIVACY_PSEUDONYM_KEY": "j" * 32})
    key = pseudonym_key(own)
    first = pseudonym(key, "paper-a", "reader-42")
    assert first == pseudonym(key, "paper-a", "reader-42")
    assert first.startswith("erased:") and len(first) == len("erased:") + 32
    assert "reader-42" not in first
    assert first != pseudonym(key, "paper-b", "reader-42")
    assert first != pseudonym(pseudonym_key(other), "paper-a", "reader-42")
    # The site and the id cannot be shifted into each other.
    assert pseudonym(key, "paper-a", "b-x") != pseudonym(key, "paper-a-b", "x")


def test_without_its_own_key_the_first_webhook_key_is_used_never_as_is() -> None:
    derived = load_settings(environ={"MODERATION_WEBHOOKS_SECRET_KEYS": WEBHOOK_KEY})
    rotated = load_settings(
        environ={"MODERATION_WEBHOOKS_SECRET_KEYS": f"{NEW_WEBHOOK_KEY},{WEBHOOK_KEY}"}
    )
    assert pseudonym_key(derived) != WEBHOOK_KEY.encode()
    assert pseudonym_key(derived) != pseudonym_key(rotated)
    with pytest.raises(UnavailableError, match=r"privacy\.pseudonym_key"):
        pseudonym_key(load_settings(environ={}))
