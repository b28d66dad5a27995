"""Who a report comes from and what a site's reports need (review/readers.py), as plain values."""

from __future__ import annotations

import pytest

from moderation.config import ANONYMOUS_REPORT_WEIGHT_LIMIT, SettingsError, load_settings
from moderation.review.readers import (
    START_WEIGHT,
    ReportRules,
    anonymous_reader_id,
    client_network,
    reader_key,
    reader_weight,
)
from moderation.sites.service import SiteView
from tests.support.settings import NEW_WEBHOOK_KEY, WEBHOOK_KEY

KEY = reader_key([WEBHOOK_KEY])


def test_an_anonymous_reader_is_a_keyed_hash_of_site_and_address() -> None:
    reader = anonymous_reader_id(KEY, "default", "203.0.113.7")
    assert reader.startswith("anon:") and len(reader) == len("anon:") + 32
    assert "203.0.113.7" not in reader
    assert anonymous_reader_id(KEY, "default", "203.0.113.7") == reader  # the same client
    assert anonymous_reader_id(KEY, "default", "203.0.113.8") != reader
    assert anonymous_reader_id(KEY, "other-site", "203.0.113.7") != reader
    # Without the key nobody can try every address: another key gives other ids.
    assert anonymous_reader_id(reader_key([NEW_WEBHOOK_KEY]), "default", "203.0.113.7") != reader
    assert reader_key([WEBHOOK_KEY, NEW_WEBHOOK_KEY]) == KEY  # the first key counts


def test_the_derived_key_is_not_the_webhook_key_and_one_is_required() -> None:
    assert WEBHOOK_KEY.encode() not in KEY
    with pytest.raises(SettingsError, match=r"webhooks\.secret_keys"):
        reader_key([])


@pytest.mark.parametrize(
    ("address", "reader"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("unknown", "unknown"),
    ],
)
def test_an_ipv6_client_is_its_64_network(address: str, reader: str) -> None:
    assert client_network(address) == reader


def test_a_readers_weight_moves_only_with_moderators_verdicts() -> None:
    assert reader_weight(0, 0) == START_WEIGHT == 1.0
    assert reader_weight(1, 0) == 1.25
    assert reader_weight(0, 1) == 0.5
    assert reader_weight(100, 0) == 3.0 and reader_weight(0, 100) == 0.1
    assert ANONYMOUS_REPORT_WEIGHT_LIMIT == START_WEIGHT / 10


def test_a_sites_thresholds_go_over_the_services() -> None:
    review = load_settings(environ={}).review
    rules = ReportRules.for_site(review, None)
    assert (rules.report_threshold, rules.hide_threshold) == (3.0, 6.0)
    assert (rules.anonymous_weight, rules.hide_min_verified) == (0.1, 3)
    site = SiteView(id="strict", name="Strict", settings={"review": {"hide_threshold": 2}})
    strict = ReportRules.for_site(review, site)
    assert (strict.report_threshold, strict.hide_threshold) == (3.0, 2.0)


def test_hiding_needs_enough_verified_readers_and_their_weight() -> None:
    rules = ReportRules(
        report_threshold=1.0, hide_threshold=3.0, anonymous_weight=0.1, hide_min_verified=3
    )
    assert rules.hides(3, 3.0)
    assert not rules.hides(2, 6.0)  # two readers, however much they weigh
    assert not rules.hides(3, 1.5)  # three readers who were wrong before
    assert not rules.hides(0, 0.0)
