"""The strict JSON parser of request bodies (pure: no app), and the check for text that shows
nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.web.schemas import shows_something
from moderation.web.strict_json import MAX_DEPTH, StrictJSONError, loads, nesting_depth

# Text as JSON can carry it to a database: no NUL, no lone surrogate (the "Cs" category).
safe_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**31), max_value=10**31)
    | st.floats(allow_nan=False, allow_infinity=False)
    | safe_text
)
values = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(safe_text, children, max_size=4)
    ),
    max_leaves=30,
)


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(item) for item in value.values()), default=0)
    return 0


def refused(data: bytes) -> StrictJSONError:
    with pytest.raises(StrictJSONError) as raised:
        loads(data)
    return raised.value


@given(values)
@settings(max_examples=300, derandomize=True, database=None)
def test_acceptable_json_parses_as_the_standard_library_parses_it(value: Any) -> None:
    encoded = json.dumps(value).encode()
    assert loads(encoded) == json.loads(encoded)
    assert nesting_depth(encoded) == depth_of(value)


@given(st.lists(safe_text, min_size=1, max_size=5))
@settings(max_examples=100, derandomize=True, database=None)
def test_brackets_and_quotes_inside_strings_are_not_nesting(texts: list[str]) -> None:
    tricky = [text + '[{"\\' + "[" * 40 for text in texts]
    assert nesting_depth(json.dumps({"a": tricky}).encode()) == 2


def test_nesting_up_to_the_limit_is_taken_and_one_more_is_malformed() -> None:
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    error = refused(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    assert error.malformed
    assert error.messages() == [f"Invalid JSON body: nested more than {MAX_DEPTH} levels deep"]
    assert refused(b"[" * 100_000).malformed


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        (b'{"a": "x\\u0000y"}', {"a": ["the value contains a NUL character (U+0000)"]}),
        (b'{"a": ["ok", "\\udc00"]}', {"a": {1: ["the value contains a lone surrogate (U+DC00)"]}}),
        (b'{"a\\u0000": 1}', {"a\\u0000": ["the key contains a NUL character (U+0000)"]}),
        (
            b'{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}',
            {"a": ["duplicate key"], "b": {"c": ["duplicate key"]}},
        ),
        (b'{"n": ' + b"1" * 33 + b"}", {"n": ["an integer of 33 digits; at most 32 allowed"]}),
        (b'{"n": -' + b"1" * 5000 + b"}", {"n": ["an integer of 5000 digits"]}),
        (b'{"n": NaN, "m": [-Infinity]}', {"n": ["NaN is not"], "m": {0: ["-Infinity is not"]}}),
        (b'{"n": 1e400}', {"n": ["the number 1e400 is too large"]}),
        (b'"\\u0000"', ["the value contains a NUL character"]),
    ],
)
def test_refused_values_are_named_by_their_path(data: bytes, messages: Any) -> None:
    error = refused(data)
    assert not error.malformed
    found = error.messages()

    def contains(found: Any, wanted: Any) -> None:
        if isinstance(wanted, dict):
            assert set(found) == set(wanted), found
            for key, value in wanted.items():
                contains(found[key], value)
        else:
            assert len(found) == len(wanted), found
            for message, start in zip(found, wanted, strict=True):
                assert message.startswith(start), found

    contains(found, messages)


def test_under_a_refused_key_nothing_more_is_reported() -> None:
    data = b'{"a\\u0000": {"b": "\\u0000"}, "c": {"d": 1}, "c": {"d": "\\u0000"}, "e": "\\u0000"}'
    messages = refused(data).messages()
    assert messages == {
        "a\\u0000": ["the key contains a NUL character (U+0000), which is not allowed"],
        "c": ["duplicate key: the object names it twice"],
        "e": ["the value contains a NUL character (U+0000), which is not allowed"],
    }


# Few characters, NUL and a lone surrogate among them: bad keys above bad values are common.
hostile_text = st.text(alphabet="a\x00\ud800", max_size=2)


def test_keys_that_print_alike_still_get_their_messages() -> None:
    literal = b'"a\\\\u0000"'  # a, a backslash, u0000: no NUL
    data = b"{" + literal + b': {"b": "\\u0000"}, "a\\u0000": 1}'
    messages = refused(data).messages()
    assert messages == {
        "a\\u0000": {
            "b": ["the value contains a NUL character (U+0000), which is not allowed"],
            "": ["the key contains a NUL character (U+0000), which is not allowed"],
        }
    }


@given(
    st.recursive(
        hostile_text,
        lambda children: (
            st.dictionaries(hostile_text, children, max_size=3) | st.lists(children, max_size=3)
        ),
        max_leaves=20,
    )
)
@settings(max_examples=300, derandomize=True, database=None)
def test_every_refusal_has_one_path_of_messages(value: Any) -> None:
    try:
        loads(json.dumps(value).encode())
    except StrictJSONError as error:
        assert not error.malformed
        assert error.messages()


def test_a_surrogate_pair_is_one_character_and_taken() -> None:
    assert loads(b'{"a": "\\ud83d\\ude00"}') == {"a": "😀"}


def test_integers_up_to_32_digits_and_ordinary_floats_are_taken() -> None:
    assert loads(b"[" + b"9" * 32 + b", -1.5e300, 0.1]") == [int("9" * 32), -1.5e300, 0.1]


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b'{"a": "\xff"}', "Invalid JSON body: not UTF-8 (byte 7)"),
        (b'{"a": "\xed\xa0\x80"}', "Invalid JSON body: not UTF-8"),
        (b"\xef\xbb\xbf{}", "Invalid JSON body: Unexpected UTF-8 BOM"),
        (b"{", "Invalid JSON body: Expecting property name"),
        (b"[1,]", "Invalid JSON body: "),
        (b"", "Invalid JSON body: Expecting value"),
    ],
)
def test_what_is_not_json_is_malformed(data: bytes, start: str) -> None:
    error = refused(data)
    assert error.malformed
    assert error.messages()[0].startswith(start), error.messages()


@pytest.mark.parametrize(
    ("text", "shows"),
    [
        ("Zoë", True),
        ("李", True),
        ("\u200bBo\u200b", True),
        ("🙂", True),
        ("e\u0301", True),
        ("", False),
        ("   \t\n", False),
        ("\u200b\u200b", False),
        ("\u200c\u200d\u2060\ufeff\u00ad", False),
        ("\u202e\u2066", False),
        ("\u3164\u115f\uffa0", False),
        ("\u2800", False),
        ("\u0301\u0301", False),
        ("\u3000\u00a0", False),
    ],
)
def test_shows_something(text: str, shows: bool) -> None:
    assert shows_something(text) is shows
