"""Plain names and one-line explanations for the ids moderators meet: rules, model labels,
moderators' reason codes, reader report reasons, the author-facing codes, and the queues.

The review page shows these instead of raw ids like `suspect_terms` or `identity_attack`;
`GET /v1/review/glossary` serves them to any client. Rules configured in
config/rules/patterns.toml name themselves (their id and message); an id missing here is shown
as it is. tests/unit/test_glossary.py checks that every built-in rule, every configured label,
every reason code, report reason and queue has an entry.
"""

from __future__ import annotations

from typing import Any

from moderation.review.queues import QUEUES
from moderation.review.reports import REPORT_REASONS
from moderation.review.service import REASON_CODES

Entry = tuple[str, str]

RULES: dict[str, Entry] = {
    "banned_terms": ("Banned term", "Uses a word or phrase on the banned list."),
    "suspect_terms": (
        "Suspect term",
        "Uses a word that is often, but not always, abusive: a person reads it in context.",
    ),
    "site_premoderated": (
        "Site pre-moderated",
        "The site is set to pre-moderation: every comment waits for a person.",
    ),
    "site_terms": (
        "Site's own term",
        "Uses a word this site added to its banned list (rejects) or suspect list (holds).",
    ),
    "patterns": (
        "Pattern rules",
        "Regular expressions from config/rules/patterns.toml; a match is named by its own id.",
    ),
    "pattern_timeout": ("Pattern rules timed out", "A pattern ran past its time limit."),
    "threats": (
        "Threats",
        "Threatens harm or violence; explicit threats are rejected, the rest wait for a person.",
    ),
    "threat_timeout": (
        "Threat rules timed out",
        "The threat rules ran past their time limit, so the comment waits for a person.",
    ),
    "identity_mention": (
        "Identity mention",
        "Names an identity without insult or threat: the model's known bias was taken off.",
    ),
    "links": ("Links", "Has a link, one outside the allowed sites, or too many links."),
    "length": ("Length", "Shorter or longer than the site allows."),
    "author_banned": ("Banned author", "The author is banned from commenting."),
    "author_premoderated": (
        "Pre-moderated author",
        "A moderator asked to read every comment of this author before it appears.",
    ),
    "anonymous_premoderated": (
        "Not signed in",
        "Posted without a commenter token on a site that has a person read such comments first.",
    ),
    "article_closed": ("Article closed", "The article no longer takes comments."),
    "article_premoderated": (
        "Pre-moderated article",
        "Every comment on this article is read by a person before it appears.",
    ),
    "article_surge": (
        "Surge protection",
        "Heated: many comments held or rejected, or many reports, in a short time. Every "
        "comment waits until it cools down.",
    ),
    "author_rate": ("Posting fast", "More comments in a minute than the limit."),
    "duplicate": ("Duplicate", "Nearly the same as a recent comment by the same author."),
    "personal_data": (
        "Personal data",
        "Contains what looks like an e-mail address or a phone number.",
    ),
    "shouting": ("Shouting", "Written mostly in capital letters."),
    "repeated_characters": ("Repeated characters", "One character repeated many times."),
    "repeated_words": ("Repeated words", "One word repeated many times."),
    "new_author": (
        "New author",
        "The author has fewer approved comments than needed to publish without a review.",
    ),
    "model_unavailable": (
        "Model unavailable",
        "The model could not score the comment, so it waits for a person.",
    ),
    "language_unsupported": (
        "Language without a model",
        "No loaded model serves the comment's language: the rules ran, then it waits for a person.",
    ),
    "trusted_author": (
        "Trusted author",
        "A trusted author skips holds (never rejections): published without the hold.",
    ),
}

# The labels of the detoxify models (original, unbiased, multilingual), as the model card
# describes them.
LABELS: dict[str, Entry] = {
    "toxicity": (
        "Toxicity",
        "Rude, disrespectful or unreasonable: likely to make someone leave a discussion.",
    ),
    "severe_toxicity": ("Severe toxicity", "Very hateful, aggressive or disrespectful."),
    "obscene": ("Obscene", "Swear words, cursing or other vulgar language."),
    "threat": ("Threat", "Describes an intention to hurt someone."),
    "insult": ("Insult", "Insulting, inflammatory or demeaning towards a person or a group."),
    "identity_attack": (
        "Identity attack",
        "Hateful or demeaning about people for who they are: origin, religion, gender, "
        "sexuality, disability.",
    ),
    "sexual_explicit": ("Sexually explicit", "Refers to sexual acts or body parts."),
}

# Why a moderator rejects (or approves); readers pick from the same list when they report.
REASONS: dict[str, Entry] = {
    "abusive": ("Abusive", "A personal attack, harassment or hate."),
    "spam": ("Spam", "Advertising, link farming or repeated posting."),
    "off_topic": ("Off topic", "Not about the article or the discussion."),
    "personal_data": ("Personal data", "Shares someone's private details."),
    "illegal": ("Illegal", "May break the law: threats, incitement, defamation."),
    "other": ("Other", "Another reason: say which in the note."),
}

# What the author is told about a held or rejected comment (the widget words each one to the
# reader); a moderator's reason code is told as it is.
PUBLIC_CODES: dict[str, Entry] = {
    **REASONS,
    "offensive_language": ("Offensive language", "Uses language the rules do not allow."),
    "toxic_language": ("Toxic language", "The model found it may come across as hurtful."),
    "awaiting_review": ("Awaiting review", "A moderator will read it before it appears."),
    "links": ("Links", "Comments with links are read before they appear."),
    "spam": ("Spam", "Looks like advertising or spam."),
    "shouting": ("Shouting", "Written mostly in capitals."),
    "noise": ("Repetition", "Repeats characters or words many times."),
    "length": ("Length", "Too short or too long."),
    "personal_data": ("Personal data", "Seems to include an e-mail address or a phone number."),
    "duplicate": ("Duplicate", "The same as a comment the author posted a moment ago."),
    "too_fast": ("Posting fast", "The author is posting very quickly."),
    "author_banned": ("Banned author", "This account can no longer post."),
    "comments_closed": ("Comments closed", "The article is closed to comments."),
    "premoderation": ("Pre-moderation", "Comments here are read before they appear."),
    "article_surge": (
        "Busy discussion",
        "The discussion is very busy, so for a while comments are read before they appear.",
    ),
}

QUEUE_NAMES: dict[str, Entry] = {
    "held": ("Held", "The machine held these for a person to decide."),
    "reported": ("Reported", "Published, and readers reported them."),
    "pending": ("Pending", "Not scored yet: the workers have not reached them, or no model."),
    "approved": ("Approved", "Published."),
    "rejected": ("Rejected", "Not published."),
    "spot_check": (
        "Spot check",
        "Published, sampled at random for a person: keep or reject. It shows what the machine "
        "let through.",
    ),
    "all": ("All", "Every comment."),
}


def _entries(table: dict[str, Entry], order: tuple[str, ...] | None = None) -> list[Any]:
    ids = order if order is not None else tuple(table)
    return [{"id": key, "name": table[key][0], "explanation": table[key][1]} for key in ids]


def glossary() -> dict[str, list[dict[str, str]]]:
    """Every table as the API serves it: lists of {id, name, explanation}, in a fixed order (the
    API's order for reason codes, report reasons and queues)."""
    return {
        "rules": _entries(RULES),
        "labels": _entries(LABELS),
        "reason_codes": _entries(REASONS, REASON_CODES),
        "report_reasons": _entries(REASONS, REPORT_REASONS),
        "public_codes": _entries(PUBLIC_CODES),
        "queues": _entries(QUEUE_NAMES, tuple(QUEUES)),
    }
