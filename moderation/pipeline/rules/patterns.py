"""Regular-expression rules, with a time limit per comment.

Patterns come from a TOML file (`[[pattern]]` tables: id, pattern, action, message,
public_code, `text = "normalised"` (default) or "original", and optionally `requires`: words
of which at least one must be in the text for the pattern to run at all, a cheap first look
that spares most comments the pattern's pass). They run with the `regex`
package's timeout, sharing one budget per comment, so a catastrophic pattern cannot stall a
worker: a comment whose patterns run out of time is held for a person, with the pattern named.
"""

from __future__ import annotations

import dataclasses
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import regex  # type: ignore[import-untyped]

from moderation.pipeline.rules.base import RuleContext
from moderation.pipeline.verdict import Action, RuleHit

_ACTIONS = ("hold", "reject")
_TEXTS = ("normalised", "original")


class PatternFileError(ValueError):
    """The pattern file cannot be read or one of its patterns is not valid."""


@dataclasses.dataclass(frozen=True)
class Pattern:
    """One configured pattern and what a match means."""

    id: str
    pattern: regex.Pattern[str]
    action: Action
    message: str
    public_code: str
    on_original: bool = False
    requires: tuple[str, ...] = ()


def load_patterns(path: Path) -> list[Pattern]:
    """The patterns of one file; none when the file does not exist."""
    if not path.exists():
        return []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PatternFileError(f"cannot read pattern file {path}: {error}") from error
    return [_pattern(entry, path, index) for index, entry in enumerate(raw.get("pattern", []))]


def _pattern(entry: dict[str, Any], path: Path, index: int) -> Pattern:
    where = f"{path}, pattern {entry.get('id', index + 1)!s}"
    missing = [key for key in ("id", "pattern", "message") if not entry.get(key)]
    if missing:
        raise PatternFileError(f"{where}: missing {', '.join(missing)}")
    action = entry.get("action", "hold")
    text = entry.get("text", "normalised")
    if action not in _ACTIONS:
        raise PatternFileError(f"{where}: action must be hold or reject, not {action!r}")
    if text not in _TEXTS:
        raise PatternFileError(f"{where}: text must be normalised or original, not {text!r}")
    try:
        compiled = regex.compile(entry["pattern"], regex.VERSION1)
    except regex.error as error:
        raise PatternFileError(f"{where}: {error}") from error
    requires = entry.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(word, str) for word in requires):
        raise PatternFileError(f"{where}: requires must be a list of words")
    return Pattern(
        str(entry["id"]),
        compiled,
        action,
        str(entry["message"]),
        str(entry.get("public_code", "awaiting_review")),
        text == "original",
        tuple(requires),
    )


class PatternRule:
    """Runs every pattern on a comment within `time_limit_ms` in all."""

    id = "patterns"
    action = "hold"
    message = "pattern rules ran out of time"
    public_code = "awaiting_review"

    def __init__(self, patterns: Sequence[Pattern], time_limit_ms: float) -> None:
        self.patterns = list(patterns)
        self.time_limit = time_limit_ms / 1000

    def check(self, context: RuleContext) -> list[RuleHit]:
        if not self.patterns:
            return []
        hits: list[RuleHit] = []
        deadline = time.perf_counter() + self.time_limit
        normalised = context.normalised
        for pattern in self.patterns:
            text = context.text if pattern.on_original else normalised.text
            if pattern.requires and not any(word in text for word in pattern.requires):
                continue
            left = deadline - time.perf_counter()
            try:
                if left <= 0:
                    raise TimeoutError
                found = list(pattern.pattern.finditer(text, timeout=left))
            except TimeoutError:
                message = (
                    f"pattern '{pattern.id}' ran past the {self.time_limit * 1000:g} ms limit "
                    "for one comment; held for a person"
                )
                hits.append(RuleHit("pattern_timeout", "hold", message, self.public_code))
                break
            if not found:
                continue
            spans = [
                match.span() if pattern.on_original else normalised.original_span(*match.span())
                for match in found
                if match.end() > match.start()
            ]
            hits.append(
                RuleHit(
                    pattern.id, pattern.action, pattern.message, pattern.public_code, tuple(spans)
                )
            )
        return hits
