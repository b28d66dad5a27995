"""Identity mentions: words that name a group of people (orientation, gender, origin, religion,
age, disability), found in normalised text; and the correction that takes the model's
measured bias off a comment that names a group and attacks no one (`IdentityCorrection`).

The lists are `<word_lists_dir>/<language>/identity.txt`: one entry per line, "#" comments;
an entry ending in "*" also matches the word with up to three more letters (German and
Romance inflections: "schwul*" matches "schwule", "schwulen"). Entries are normalised like
the text (case, accents, look-alikes), so "jüdisch" matches "judisch" and "JÜDISCHE".
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from moderation.pipeline.normalise import Normalised, normalise
from moderation.pipeline.rules.base import PlannedAdjustment, RuleContext
from moderation.pipeline.rules.wordlists import read_terms
from moderation.pipeline.verdict import RuleHit


@dataclasses.dataclass(frozen=True)
class Mention:
    """One identity term found: its list entry (and every label of that entry, such as
    "en:trans" and "de:trans") and its span in normalised text."""

    term: str
    start: int
    end: int
    labels: tuple[str, ...] = ()


class IdentityTerms:
    """Finds listed identity terms in normalised text, longest entry first.

    `entries` are list entries, or (label, entry) pairs when the caller needs to know which
    list an entry came from ("en:gay").
    """

    def __init__(self, entries: Iterable[str | tuple[str, str]]) -> None:
        alternatives: dict[str, list[str]] = {}
        # What a text's words must include for any entry to match (see `_could_match`).
        self._first_words: set[str] = set()
        self._first_stems: set[str] = set()
        self._matches_anywhere = False  # an entry that starts with a sign
        for item in entries:
            label, entry = item if isinstance(item, tuple) else (item, item)
            stem = entry.endswith("*")
            key = normalise(entry.rstrip("*")).text.strip()
            if not key:
                continue
            pattern = r"\s+".join(re.escape(word) for word in key.split())
            alternatives.setdefault(pattern + (r"\w{0,3}" if stem else ""), []).append(label)
            self._note_first_word(key, stem)
        ordered = sorted(alternatives, key=len, reverse=True)
        self._entries = [tuple(alternatives[pattern]) for pattern in ordered]
        # One word-start check, then the entries: the same matches as a check per entry, twice
        # as fast (each entry's own `(?<!\w)` was tried at every position of the text).
        self._pattern = (
            re.compile("(?<!\\w)(?:" + "|".join(f"({p})(?!\\w)" for p in ordered) + ")")
            if ordered
            else None
        )

    def find(self, normalised: Normalised) -> list[Mention]:
        """Every mention, in text order."""
        if self._pattern is None or not self._could_match(normalised.text):
            return []
        mentions = []
        for match in self._pattern.finditer(normalised.text):
            index = match.lastindex
            assert index is not None  # every alternative is one group
            labels = self._entries[index - 1]
            mentions.append(Mention(labels[0], match.start(), match.end(), labels))
        return mentions

    def _note_first_word(self, key: str, stem: bool) -> None:
        """Record the first word of the normalised entry `key` for `_could_match`."""
        words = key.split()
        run = _WORDS.match(words[0])
        if run is None:  # an entry that starts with a sign: every text could match it
            self._matches_anywhere = True
        elif stem and len(words) == 1 and run.group() == words[0]:
            self._first_stems.add(words[0])
        else:
            self._first_words.add(run.group())

    def _could_match(self, text: str) -> bool:
        """Whether a word of `text` can begin an entry: most comments name no group, and this
        set lookup per word is about ten times cheaper than running the pattern over them.

        An entry's first word (up to its first non-word character) is a whole word of the text
        wherever the entry matches; a one-word entry ending in "*" may have three more letters.
        """
        if self._matches_anywhere:
            return True
        for word in _WORDS.findall(text):
            if word in self._first_words:
                return True
            for cut in range(4):
                if len(word) > cut and word[: len(word) - cut] in self._first_stems:
                    return True
        return False

    def first(self, text: str) -> str:
        """The list entry of the first mention in `text`, or "" (for reports)."""
        found = self.find(normalise(text))
        return found[0].term if found else ""


_WORDS = re.compile(r"\w+")


def load_identity_terms(
    folder: Path, languages: Sequence[str], labelled: bool = False
) -> IdentityTerms:
    """The identity lists of these languages, read now (a missing file is an empty list);
    `labelled`: each entry known as "<language>:<entry>"."""
    return IdentityTerms(
        (f"{language}:{term}", term) if labelled else term
        for language in languages
        for term in read_terms(folder / language / "identity.txt")
    )


def load_hostile_words(folder: Path, languages: Sequence[str]) -> HostileWords:
    """The hostile-word lists of these languages (`<language>/hostile.txt`)."""
    return HostileWords(
        (language, term)
        for language in languages
        for term in read_terms(folder / language / "hostile.txt")
    )


# Words before a hostile word that turn it round ("not stupid", "far from stupid", "the very
# opposite of stupid"), and words around it that make the sentence counter-speech ("your
# contempt for gay people has to stop", "stop hating"). Per language; a few words each is what
# such sentences use, and a word list the site edits would add little.
_NEGATION = {
    "en": r"(?:not|n't|never|no|nor|far from|opposite of|anything but|hardly|neither|without)",
    "fr": r"(?:pas|jamais|ni|loin d'?etre|contraire de|sans|aucunement)",
    "de": r"(?:nicht|nie|niemals|kein|keine|keiner|keinesfalls|gegenteil von|ohne)",
    "es": r"(?:no|nunca|ni|lejos de|contrario de|sin|jamas)",
}
_COUNTER_BEFORE = {
    "en": r"(?:stop|stopped|against|oppose|condemn|condemns|fight|fighting|end|ending|reject|no to|"
    r"denounce|call out|calling out|tired of|sick of|ashamed of)",
    "fr": r"(?:contre|stop|arreter|arretez|combattre|denoncer|condamner|halte a)",
    "de": r"(?:gegen|stoppt|stoppen|bekampfen|verurteilen|schluss mit)",
    "es": r"(?:contra|basta de|parar|detener|combatir|denunciar|condenar)",
}
_COUNTER_AFTER = {
    "en": r"(?:has to stop|have to stop|must stop|needs to stop|need to stop|is wrong|are wrong|"
    r"is unacceptable|is not ok|is not okay|has no place|have no place|is shameful|must end)",
    "fr": r"(?:doit cesser|doivent cesser|doit s'?arreter|est inacceptable|n'?a pas sa place)",
    "de": r"(?:muss aufhoren|mussen aufhoren|ist inakzeptabel|hat keinen platz|ist falsch)",
    "es": r"(?:tiene que parar|debe parar|debe terminar|es inaceptable|no tiene cabida)",
}
# Rules whose hit means an insult, a slur or a threat: the correction never applies then.
BLOCKING_RULES = frozenset({"banned_terms", "suspect_terms", "self_harm_incitement"})
# The labels the model over-scores when a group is named (the templates measured toxicity;
# insult and identity_attack move with it).
CORRECTED_LABELS = ("toxicity", "insult", "identity_attack")
# The length, in words, of the template sentences the biases are measured on.
_MEASURED_WORDS = 8


class HostileWords:
    """Finds hostile words in normalised text, less those negated or inside counter-speech."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        by_language: dict[str, list[str]] = {}
        for language, entry in entries:
            by_language.setdefault(language, []).append(entry)
        self._finders = {lang: IdentityTerms(items) for lang, items in by_language.items()}
        self._negated = {
            lang: re.compile(
                rf"(?:\b{_NEGATION.get(lang, _NEGATION['en'])}|\b{_COUNTER_BEFORE.get(lang, '$^')})"
                r"(?:\s+\S+){0,3}\s*$"
            )
            for lang in by_language
        }
        self._counter_after = {
            lang: re.compile(rf"^(?:\s*\S+){{0,6}}?\s+{_COUNTER_AFTER[lang]}\b")
            for lang in by_language
            if lang in _COUNTER_AFTER
        }

    def find(self, normalised: Normalised) -> list[str]:
        """The hostile words of `normalised` that count (not negated, not counter-speech)."""
        text = normalised.text
        found = []
        for language, finder in self._finders.items():
            for mention in finder.find(normalised):
                before = text[max(0, mention.start - 40) : mention.start]
                after = text[mention.end : mention.end + 60]
                if self._negated[language].search(before):
                    continue
                counter = self._counter_after.get(language)
                if counter is not None and counter.search(after):
                    continue
                found.append(mention.term)
        return found


@dataclasses.dataclass(frozen=True)
class IdentityBias:
    """Per identity term, how many logits the model over-scores a clean sentence naming it."""

    terms: Mapping[str, float]
    description: str = ""


def load_identity_bias(path: Path) -> IdentityBias:
    """The calibrated corrections (`python -m bench.eval --calibrate-identity` writes them)."""
    if not path.exists():
        return IdentityBias({})
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise IdentityFileError(f"cannot read identity bias file {path}: {error}") from error
    terms = raw.get("terms", {})
    if not isinstance(terms, dict) or not all(
        isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        for value in terms.values()
    ):
        raise IdentityFileError(f"{path}: [terms] must map identity terms to logits >= 0")
    return IdentityBias({str(k): float(v) for k, v in terms.items()}, str(raw.get("about", "")))


class IdentityFileError(ValueError):
    """An identity bias file cannot be read; the message names it."""


class IdentityCorrection:
    """Takes the model's excess off a comment that names an identity and attacks no one.

    When a comment names a listed identity, no listed insult or slur and no threat rule hit,
    and no hostile word (less negated ones and counter-speech) is in it, each corrected label
    loses the largest calibrated bias of the terms named, in logits. The verdict shows the
    scores before and after. It is also a rule that never hits, so `build_rules` carries it
    with the rules it depends on.
    """

    id = "identity_mention"

    def __init__(
        self, terms: IdentityTerms, hostile: HostileWords, bias: IdentityBias, strength: float
    ) -> None:
        self.terms = terms
        self.hostile = hostile
        self.bias = bias
        self.strength = strength

    def check(self, context: RuleContext) -> list[RuleHit]:
        return []

    def plan(self, context: RuleContext, hits: Sequence[RuleHit]) -> PlannedAdjustment | None:
        """What this comment's scores lose, or None when the correction does not apply (known
        from the text and the rule hits, before the model scores it)."""
        if self.strength <= 0 or not self.bias.terms:
            return None
        if any(hit.rule_id in BLOCKING_RULES or hit.rule_id.startswith("threat") for hit in hits):
            return None
        if any(hit.action == "reject" for hit in hits):
            return None
        mentions = self.terms.find(context.normalised)
        named = {
            label: self.bias.terms.get(label, 0.0)
            for mention in mentions
            for label in mention.labels
        }
        if not named or max(named.values()) <= 0:
            return None
        if self.hostile.find(context.normalised):
            return None
        label_of_term, shift = max(named.items(), key=lambda item: item[1])
        term = label_of_term.split(":", 1)[-1].rstrip("*")
        # Measured on sentences of a few words, where the one identity word weighs most; in
        # a longer comment it weighs less, and so does its correction.
        words = len(context.normalised.text.split())
        shift *= self.strength * min(1.0, _MEASURED_WORDS / max(words, 1))
        written = sorted(
            {
                context.text[slice(*context.normalised.original_span(m.start, m.end))]
                for m in mentions
            }
        )
        reason = (
            f"names an identity ({', '.join(repr(word) for word in written)}) with no insult, "
            "slur, threat or hostile word: "
            f"the model's measured bias for '{term}' ({shift:.2f} logits) taken off"
        )
        return PlannedAdjustment(self.id, dict.fromkeys(CORRECTED_LABELS, shift), reason)
