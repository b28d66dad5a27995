"""Word lists per language, read from files and re-read when a file changes.

`<folder>/<language>/banned.txt` (terms that reject), `suspect.txt` (terms that hold) and
`allow.txt` (phrases that contain a term but are innocent, such as "moby dick"): one entry per
line, blank lines and "#" comments skipped. A missing file is an empty list.

`WordListSource.current()` checks the files' modification times at most once every
`check_seconds` (a few `stat` calls), so editing a list takes effect without a restart;
`reload()` re-reads at once in this process. `request_reload(folder)` is the admin call for
every process that reads the folder: it touches `<folder>/.reload`, which each source watches
along with the lists.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

KINDS = ("banned", "suspect", "allow")
log = logging.getLogger(__name__)


class WordListError(ValueError):
    """A word-list file cannot be read; the message names it."""


RELOAD_MARKER = ".reload"


@dataclasses.dataclass(frozen=True)
class Term:
    """One entry of a word list, as written, and the language whose list holds it."""

    text: str
    language: str = "en"


@dataclasses.dataclass(frozen=True)
class WordLists:
    """The banned, suspect and allowed terms of every configured language."""

    banned: tuple[Term, ...] = ()
    suspect: tuple[Term, ...] = ()
    allow: tuple[Term, ...] = ()
    version: int = 0

    @classmethod
    def of(
        cls,
        banned: Iterable[str] = (),
        suspect: Iterable[str] = (),
        allow: Iterable[str] = (),
        language: str = "en",
    ) -> WordLists:
        """Lists given directly (tests, benchmarks), all in one language."""
        return cls(
            tuple(Term(text, language) for text in banned),
            tuple(Term(text, language) for text in suspect),
            tuple(Term(text, language) for text in allow),
        )

    def terms(self, kind: str) -> tuple[Term, ...]:
        """The terms of one kind: "banned", "suspect" or "allow"."""
        return {"banned": self.banned, "suspect": self.suspect, "allow": self.allow}[kind]


def read_terms(path: Path) -> list[str]:
    """Terms from one list file: one per line, blank lines and "#" comments skipped."""
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise WordListError(f"cannot read word list {path}: {error}") from error
    terms = []
    for line in text.splitlines():
        term = line.split("#", 1)[0].strip()
        if term:
            terms.append(term)
    return terms


def request_reload(folder: Path) -> None:
    """Ask every process reading `folder` to re-read its lists at its next check."""
    marker = folder / RELOAD_MARKER
    marker.touch()
    os.utime(marker)  # a new time even when the file already existed


def load_word_lists(folder: Path, languages: Sequence[str], version: int = 0) -> WordLists:
    """The lists of every configured language, read now."""
    found: dict[str, list[Term]] = {kind: [] for kind in KINDS}
    for language in languages:
        for kind in KINDS:
            found[kind] += [
                Term(text, language) for text in read_terms(folder / language / f"{kind}.txt")
            ]
    return WordLists(
        tuple(found["banned"]), tuple(found["suspect"]), tuple(found["allow"]), version
    )


class WordListSource:
    """The word lists of some languages, re-read when one of their files changes."""

    def __init__(
        self,
        folder: Path,
        languages: Sequence[str],
        check_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = folder
        self.languages = tuple(languages)
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._signature = self._files_signature()
        self._lists = load_word_lists(folder, self.languages)
        self._checked_at = clock()

    def current(self) -> WordLists:
        """The lists, re-read first if a file changed since the last look."""
        if self.check_seconds <= 0 or self._clock() - self._checked_at < self.check_seconds:
            return self._lists
        with self._lock:
            self._checked_at = self._clock()
            signature = self._files_signature()
            if signature != self._signature:
                self._load(signature)
        return self._lists

    def reload(self) -> WordLists:
        """Re-read every list now, changed or not."""
        with self._lock:
            self._load(self._files_signature())
            self._checked_at = self._clock()
        return self._lists

    def _load(self, signature: tuple[tuple[str, int, int], ...]) -> None:
        self._signature = signature  # a broken file is not re-read until it changes again
        try:
            self._lists = load_word_lists(self.folder, self.languages, self._lists.version + 1)
        except WordListError as error:
            # Mid-run, a half-saved or mis-encoded file must not stop scoring: keep the lists
            # in use. (At start-up the same error stops the worker, with the file named.)
            log.error("word lists not reloaded, the previous ones stay in use: %s", error)

    def _files_signature(self) -> tuple[tuple[str, int, int], ...]:
        entries = []
        paths = [self.folder / RELOAD_MARKER]
        for language in self.languages:
            paths += [self.folder / language / f"{kind}.txt" for kind in KINDS]
        for path in paths:
            try:
                status = path.stat()
            except OSError:
                entries.append((str(path), -1, -1))
                continue
            entries.append((str(path), status.st_mtime_ns, status.st_size))
        return tuple(entries)
