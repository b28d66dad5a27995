"""Bearer tokens are kept hashed and identify their holder and role."""

from __future__ import annotations

from moderation.web.auth import TokenTable


def test_tokens_identify_holder_and_role_and_are_not_kept_in_clear() -> None:
    table = TokenTable(["alice:moderator-secret-123456"], ["admin-secret-1234567890"])
    assert table.identify("moderator-secret-123456") == ("alice", "moderator")
    name, role = table.identify("admin-secret-1234567890") or ("", "")
    assert role == "admin" and name.startswith("admin-")
    assert table.identify("moderator-secret-12345") is None
    assert table.identify("") is None
    stored = repr(table.entries)
    assert "moderator-secret-123456" not in stored and "admin-secret" not in stored
