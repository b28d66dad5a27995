"""[perspective] settings and the API key table."""

from __future__ import annotations

import pytest

from moderation.config import SettingsError, load_settings
from moderation.perspective.apikeys import ApiKeyTable


def test_api_keys_come_from_moderation_api_keys() -> None:
    settings = load_settings(
        environ={"MODERATION_API_KEYS": "coral:0123456789abcdef0123:25, 0123456789abcdef-bare"}
    )
    assert settings.perspective.api_keys == [
        "coral:0123456789abcdef0123:25",
        "0123456789abcdef-bare",
    ]


@pytest.mark.parametrize("entry", ["short", "name:short", "n:0123456789abcdef:fast", "a:b:c:d"])
def test_bad_api_keys_stop_start_up_naming_the_variable(entry: str) -> None:
    with pytest.raises(SettingsError, match="MODERATION_API_KEYS"):
        load_settings(environ={"MODERATION_API_KEYS": entry})


def test_key_table_knows_holders_and_their_quotas_and_keeps_only_hashes() -> None:
    table = ApiKeyTable(["coral:0123456789abcdef0123:25", "0123456789abcdef-bare"])
    coral = table.identify("0123456789abcdef0123")
    assert coral is not None and (coral.name, coral.quota) == ("coral", "25/second")
    bare = table.identify("0123456789abcdef-bare")
    # No quota of its own: limits.perspective_per_key counts it.
    assert bare is not None and bare.name.startswith("key-") and bare.quota is None
    assert table.identify("0123456789abcdef012") is None
    assert all("0123456789abcdef" not in repr(entry) for entry in table.entries)
