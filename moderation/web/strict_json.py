"""Strict JSON for request bodies: what the standard library parses, less what the database, a
recursive walk or the integer conversion cannot take.

Refused as malformed (the body as a whole):
- bytes that are not UTF-8 (RFC 8259 allows nothing else);
- nesting deeper than `MAX_DEPTH` (the standard parser recurses until RecursionError, which
  1,000 `[` in a 2 KB body reach);
- anything the standard parser refuses.

Refused by value, each named by its path in the body (`author.name`, `ids.3`):
- a duplicate key in one object (the standard parser keeps the last one without a word);
- an integer literal of more than `MAX_INTEGER_DIGITS` digits (Python refuses to convert more
  than 4,300 digits and converts fewer in quadratic time; no id needs more than 19);
- `NaN`, `Infinity` and numbers too large for a float (not JSON; PostgreSQL refuses them);
- in any string, key or value: the NUL character (PostgreSQL's text cannot hold it) and a lone
  UTF-16 surrogate such as `"\\ud800"` (it cannot be encoded as UTF-8, so it fails on its way
  to the database or into a log line).

The standard library does the parsing; its hooks see duplicate keys and numbers. It has no depth
limit, so a scan of the brackets outside strings comes first. No Flask here: `web/request_checks`
applies it to requests.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32
MAX_INTEGER_DIGITS = 32

Path = tuple[str | int, ...]

# A JSON string: a quote, then anything but a quote or a backslash, or any escaped character.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPENING = frozenset(b"[{")
_UNSAFE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one value of the body; `path` is empty for the body as a whole."""

    path: Path
    message: str


class StrictJSONError(ValueError):
    """The body is refused: `malformed` when it is not (acceptable) JSON at all, else the values
    in `problems` are."""

    def __init__(self, problems: list[Problem], *, malformed: bool) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems
        self.malformed = malformed

    def messages(self) -> list[str] | dict[str | int, Any]:
        """The problems as marshmallow nests its messages: {"author": {"name": ["..."]}}, or a
        list where the body as a whole is wrong."""
        whole = [problem.message for problem in self.problems if not problem.path]
        if whole:
            return whole
        nested: dict[str | int, Any] = {}
        for problem in self.problems:
            node: Any = nested
            for depth, part in enumerate(problem.path):
                last = depth == len(problem.path) - 1
                child = node.setdefault(part, [] if last else {})
                if isinstance(child, list):
                    # Two keys that print alike (one with a NUL written as an escape) can make a
                    # path both a field and an object; the rest of the path then goes in the text.
                    rest = ".".join(str(name) for name in problem.path[depth + 1 :])
                    child.append(f"{rest}: {problem.message}" if rest else problem.message)
                    break
                if last:
                    child.setdefault("", []).append(problem.message)
                node = child
        return nested


class _Refused:
    """A number the parser met and refused; the walk reports it with its path."""

    def __init__(self, message: str) -> None:
        self.message = message


class _ObjectWithDuplicates(dict[str, Any]):
    """An object that named some keys twice; the walk reports each with its path."""

    def __init__(self, pairs: list[tuple[str, Any]], duplicates: list[str]) -> None:
        super().__init__(pairs)
        self.duplicates = duplicates


def loads(data: bytes) -> Any:
    """The body's value, or StrictJSONError saying what is wrong and where."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _malformed(f"not UTF-8 (byte {error.start})") from error
    depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise _malformed(f"nested more than {MAX_DEPTH} levels deep")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_integer,
            parse_float=_float,
            parse_constant=_constant,
        )
    except (ValueError, RecursionError) as error:
        raise _malformed(str(error)) from error
    problems = list(_problems(value, ()))
    if problems:
        raise StrictJSONError(problems, malformed=False)
    return value


def nesting_depth(data: bytes) -> int:
    """How deep arrays and objects nest, counting brackets outside strings (at most one more
    than `MAX_DEPTH`: the scan stops there)."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for bracket in brackets:
        if bracket in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        else:
            depth -= 1
    return deepest


def _malformed(message: str) -> StrictJSONError:
    return StrictJSONError([Problem((), f"Invalid JSON body: {message}")], malformed=True)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    seen: set[str] = set()
    duplicates = []
    for key, _ in pairs:
        if key in seen and key not in duplicates:
            duplicates.append(key)
        seen.add(key)
    return _ObjectWithDuplicates(pairs, duplicates)


def _integer(literal: str) -> int | _Refused:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        return _Refused(f"an integer of {digits} digits; at most {MAX_INTEGER_DIGITS} allowed")
    return int(literal)


def _float(literal: str) -> float | _Refused:
    value = float(literal)
    if not math.isfinite(value):
        return _Refused(f"the number {literal[:20]} is too large")
    return value


def _constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a JSON value")


def _problems(value: Any, path: Path) -> Iterator[Problem]:
    if isinstance(value, str):
        yield from _string_problems(value, path)
    elif isinstance(value, _Refused):
        yield Problem(path, value.message)
    elif isinstance(value, dict):
        duplicates = getattr(value, "duplicates", ())
        for key, item in value.items():
            # A refused key is the one problem at its path: what is under it is not looked at,
            # so that no path is both a field with messages and an object with fields.
            key_path = (*path, _printable(key))
            if key in duplicates:
                yield Problem(key_path, "duplicate key: the object names it twice")
            elif _UNSAFE_CHARACTER.search(key):
                yield from _string_problems(key, key_path, what="key")
            else:
                yield from _problems(item, key_path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _problems(item, (*path, index))


def _string_problems(text: str, path: Path, what: str = "value") -> Iterator[Problem]:
    found = _UNSAFE_CHARACTER.search(text)
    if found is None:
        return
    if found.group() == "\x00":
        yield Problem(path, f"the {what} contains a NUL character (U+0000), which is not allowed")
    else:
        code = f"U+{ord(found.group()):04X}"
        yield Problem(path, f"the {what} contains a lone surrogate ({code}), which is not text")


def _printable(key: str) -> str:
    """`key` for an error message: a NUL or a lone surrogate written as an escape, since neither
    can be written to a UTF-8 log line."""
    return _UNSAFE_CHARACTER.sub(lambda found: f"\\u{ord(found.group()):04x}", key)
