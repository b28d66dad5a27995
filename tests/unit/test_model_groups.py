"""How the adapter groups texts into model calls: by length, within a token budget."""

from __future__ import annotations

from moderation.pipeline.model import _length_groups


def pieces(*lengths: int) -> list[tuple[int, list[int]]]:
    return [(index, [7] * length) for index, length in enumerate(lengths)]


def test_similar_lengths_share_a_call_and_outliers_do_not() -> None:
    groups = _length_groups(pieces(10, 11, 12, 200, 9), max_size=64)
    assert [[index for index, _ in group] for group in groups] == [[4, 0, 1, 2], [3]]


def test_a_token_budget_caps_each_call_padding_included() -> None:
    groups = _length_groups(pieces(*[40] * 30), max_size=64, max_tokens=1024, extra=2)
    assert [len(group) for group in groups] == [24, 6]  # 24 x 42 = 1,008 <= 1,024
    assert all(len(group) * 42 <= 1024 for group in groups)
    alone = _length_groups(pieces(600, 600), max_size=64, max_tokens=1024)
    assert [len(group) for group in alone] == [1, 1]  # too long to pair: each goes alone
