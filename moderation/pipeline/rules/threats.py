"""Threats of violence: intent to harm, kill or rape, to find or visit someone, incitement,
death wishes; in every configured language, on normalised text, with spans.

Each language has `<word_lists_dir>/<language>/threats.toml` (missing: no threat rules for
it). Its `[words]` table names lists of phrases; a pattern uses a list as `{name}`. Phrases
are normalised like the text (lower case, no accents), and an apostrophe in a phrase is
optional ("i'll" also matches "ill" and "i’ll"). Each `[[threat]]` has:

- `id`: the rule id moderators see (starts with "threat");
- `action`: "hold" (a person reads it; the default) or "reject" (explicit: a first-person
  intent to kill, maim or rape the reader);
- `message`: what moderators read;
- `pattern`: a regular expression (the `regex` package) on normalised text;
- `unless_after`: optional, a regular expression that, matched right after the threat, means
  an idiom ("I'll shoot you an email", "you're dead wrong");
- `requires`: optional, words of which one must be a word of the normalised text for the
  pattern to run at all (`{name}` stands for the first word of each phrase of a list), or a
  list of such lists, each of which must be met: a cheap first look (set look-ups on the
  comment's words, read once) that spares most comments the pattern's pass.

`[[reported]]` entries (`before` / `after`, regular expressions matched against the text just
before or after a hit) recognise reported speech with quotation marks ("'I will kill you,'
he told her"): such a hit is dropped, because the comment reports a threat rather than makes
one. Idioms that have no person as the target ("this traffic is killing me", "I could kill
for a coffee", "kill the bill") are kept out by the patterns themselves: they name a
first-person intent or an incitement and a person as the target.

All patterns of a comment share one time limit (`rules.threat_time_limit_ms`); a comment
whose threat patterns run out of time is held, with the pattern named.
"""

from __future__ import annotations

import dataclasses
import re
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import regex  # type: ignore[import-untyped]

from moderation.pipeline.normalise import normalise
from moderation.pipeline.rules.base import RuleContext
from moderation.pipeline.verdict import Action, RuleHit

_PUBLIC_CODES: Mapping[str, str] = {"hold": "awaiting_review", "reject": "offensive_language"}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Typographic apostrophes become "'" before matching; one character for one, so spans hold.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'", "ʼ": "'"})
_WORD = re.compile(r"\w+")
_CONTEXT = 60  # characters around a hit that the reported-speech checks look at


class ThreatFileError(ValueError):
    """A threats file cannot be read or one of its entries is not valid; the message names it."""


@dataclasses.dataclass(frozen=True)
class ThreatPattern:
    """One kind of threat in one language."""

    id: str
    language: str
    action: Action
    message: str
    pattern: regex.Pattern[str]
    unless_after: regex.Pattern[str] | None = None
    requires: tuple[frozenset[str], ...] = ()


@dataclasses.dataclass(frozen=True)
class ThreatSet:
    """Every language's threat patterns and reported-speech checks."""

    patterns: tuple[ThreatPattern, ...] = ()
    reported_before: tuple[regex.Pattern[str], ...] = ()
    reported_after: tuple[regex.Pattern[str], ...] = ()


def _phrase(text: str) -> str:
    """A listed phrase as a regular expression: normalised, apostrophes optional."""
    folded = normalise(text).text.translate(_APOSTROPHES)  # a leading space is meant
    return "'?".join(re.escape(part) for part in folded.split("'"))


def _expand(pattern: str, words: Mapping[str, list[str]], where: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in words:
            raise ThreatFileError(f"{where}: no list named {name!r} in [words]")
        phrases = sorted({_phrase(p) for p in words[name] if p.strip()}, key=len, reverse=True)
        return "(?:" + "|".join(phrases) + ")"

    return _PLACEHOLDER.sub(one, pattern)


def _compile(source: str, where: str) -> regex.Pattern[str]:
    try:
        return regex.compile(source, regex.VERSION1)
    except regex.error as error:
        raise ThreatFileError(f"{where}: {error}") from error


def _words(raw: dict[str, Any], path: Path) -> dict[str, list[str]]:
    words = raw.get("words", {})
    if not isinstance(words, dict) or not all(
        isinstance(v, list) and all(isinstance(p, str) for p in v) for v in words.values()
    ):
        raise ThreatFileError(f"{path}: [words] must hold lists of phrases")
    return words


def _threat(entry: dict[str, Any], words: dict[str, list[str]], language: str, where: str) -> Any:
    missing = [key for key in ("id", "pattern", "message") if not entry.get(key)]
    if missing:
        raise ThreatFileError(f"{where}: missing {', '.join(missing)}")
    action = entry.get("action", "hold")
    if action not in _PUBLIC_CODES:
        raise ThreatFileError(f"{where}: action must be hold or reject, not {action!r}")
    unless = entry.get("unless_after")
    requires = entry.get("requires", [])
    groups = requires if requires and all(isinstance(g, list) for g in requires) else [requires]
    if not all(isinstance(g, list) and all(isinstance(w, str) for w in g) for g in groups):
        raise ThreatFileError(f"{where}: requires must be a list of words, or of lists of words")
    return ThreatPattern(
        str(entry["id"]),
        language,
        action,
        str(entry["message"]),
        _compile(_expand(str(entry["pattern"]), words, where), where),
        _compile(_expand(str(unless), words, where), where) if unless else None,
        tuple(_first_look(group, words, where) for group in groups if group),
    )


def _first_look(group: list[str], words: Mapping[str, list[str]], where: str) -> frozenset[str]:
    """The words one of which the text must hold: literal words, and the first word of each
    phrase of a named list."""
    found: set[str] = set()
    for item in group:
        named = _PLACEHOLDER.fullmatch(item)
        if named and named.group(1) not in words:
            raise ThreatFileError(f"{where}: no list named {named.group(1)!r} in [words]")
        phrases = words[named.group(1)] if named else [item]
        for phrase in phrases:
            folded = normalise(phrase).text.translate(_APOSTROPHES).split()
            if folded:
                found.add(_WORD.findall(folded[0])[0] if _WORD.search(folded[0]) else folded[0])
    return frozenset(found)


def load_threats(folder: Path, languages: Iterable[str]) -> ThreatSet:
    """The threat patterns of these languages, read now (a missing file is no patterns)."""
    patterns: list[ThreatPattern] = []
    before: list[regex.Pattern[str]] = []
    after: list[regex.Pattern[str]] = []
    for language in languages:
        path = folder / language / "threats.toml"
        if not path.exists():
            continue
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ThreatFileError(f"cannot read threats file {path}: {error}") from error
        words = _words(raw, path)
        for index, entry in enumerate(raw.get("threat", [])):
            where = f"{path}, threat {entry.get('id', index + 1)!s}"
            patterns.append(_threat(entry, words, language, where))
        for index, entry in enumerate(raw.get("reported", [])):
            where = f"{path}, reported {index + 1}"
            if entry.get("before"):
                before.append(_compile(_expand(str(entry["before"]), words, where), where))
            if entry.get("after"):
                after.append(_compile(_expand(str(entry["after"]), words, where), where))
    return ThreatSet(tuple(patterns), tuple(before), tuple(after))


class ThreatRule:
    """Holds threats of violence, and rejects the explicit ones (see the module docstring)."""

    id = "threats"
    action = "hold"
    message = "threat patterns ran out of time"
    public_code = "awaiting_review"

    def __init__(self, threats: ThreatSet, time_limit_ms: float) -> None:
        self.threats = threats
        self.time_limit = time_limit_ms / 1000

    def check(self, context: RuleContext) -> list[RuleHit]:
        if not self.threats.patterns:
            return []
        normalised = context.normalised
        text = normalised.text.translate(_APOSTROPHES)
        deadline = time.perf_counter() + self.time_limit
        hits: list[RuleHit] = []
        present = frozenset(_WORD.findall(text))
        for threat in self.threats.patterns:
            if any(present.isdisjoint(group) for group in threat.requires):
                continue
            try:
                spans = self._find(threat, text, deadline)
            except TimeoutError:
                message = (
                    f"threat pattern '{threat.id}' ran past the {self.time_limit * 1000:g} ms "
                    "limit for one comment; held for a person"
                )
                hits.append(RuleHit("threat_timeout", "hold", message, self.public_code))
                break
            if not spans:
                continue
            original = [normalised.original_span(start, end) for start, end in spans]
            first = context.text[slice(*original[0])]
            message = f"{threat.message}: '{_short(first)}'"
            if threat.language != "en":
                message += f" ({threat.language})"
            hits.append(
                RuleHit(
                    threat.id,
                    threat.action,
                    message,
                    _PUBLIC_CODES[threat.action],
                    tuple(original),
                    # A threat binds trusted authors too: trust is about tone, not violence.
                    holds_trusted=True,
                )
            )
        return hits

    def _find(self, threat: ThreatPattern, text: str, deadline: float) -> list[tuple[int, int]]:
        spans = []
        for match in threat.pattern.finditer(text, timeout=_left(deadline)):
            start, end = match.span()
            if end <= start:
                continue
            after = text[end : end + _CONTEXT]
            if threat.unless_after and threat.unless_after.match(after, timeout=_left(deadline)):
                continue
            if self._reported(text, start, end, deadline):
                continue
            spans.append((start, end))
        return spans

    def _reported(self, text: str, start: int, end: int, deadline: float) -> bool:
        before = text[max(0, start - _CONTEXT) : start]
        after = text[end : end + _CONTEXT]
        return any(
            p.search(before, timeout=_left(deadline)) for p in self.threats.reported_before
        ) or any(p.match(after, timeout=_left(deadline)) for p in self.threats.reported_after)


def _left(deadline: float) -> float:
    left = deadline - time.perf_counter()
    if left <= 0:
        raise TimeoutError
    return left


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def threat_ids(threats: ThreatSet) -> Sequence[str]:
    """The rule ids the threat set can give (for documentation and tests)."""
    return sorted({pattern.id for pattern in threats.patterns})
