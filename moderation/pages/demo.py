"""The demo article's thread: a few published comments and replies, so the first look at
`/demo` shows the widget at work rather than an empty box.

They are seeded when `/demo` is served (only while `[web] demo_page` is on), through the
comments core (`CommentService.seed_published`): inserted and approved once, idempotently,
never scored, each change audited as actor `demo-seed` with the reason below, and announced in
the outbox like any other comment. A moderator sees them, and can reject them, in /review.
"""

from __future__ import annotations

import logging
import unicodedata

from moderation.comments.seeding import Seed
from moderation.comments.service import CommentService

log = logging.getLogger(__name__)

DEMO_ARTICLE_ID = "nato-iraq-cooperation-2025-02-07"
SEED_ACTOR = "demo-seed"
SEED_REASON = "demo seed: an example comment for the /demo page, published without scoring"


def _seed(key: str, author: str, text: str, reply_to: str | None = None) -> Seed:
    first_name = unicodedata.normalize("NFKD", author.split()[0].lower())
    author_id = "demo-" + first_name.encode("ascii", "ignore").decode()
    return Seed(f"demo:{key}", DEMO_ARTICLE_ID, author_id, author, text, reply_to)


THREAD = (
    _seed(
        "advice",
        "Layla Haddad",
        "Good to see the mission described as advice and training rather than combat. Of the "
        "four priorities, cyber defence seems the most urgent to me.",
    ),
    _seed(
        "governance",
        "Tom Becker",
        "Agreed on cyber defence. I would like to know how anyone measures progress on good "
        "governance, though.",
        reply_to="demo:advice",
    ),
    _seed(
        "ministries",
        "Layla Haddad",
        "Fair question. The priorities were set by Baghdad, so perhaps the ministries report "
        "on them. A follow-up article on that would be welcome.",
        reply_to="demo:governance",
    ),
    _seed(
        "education",
        "Karwan Aziz",
        "The part about military education interests me most. Training institutions outlast "
        "any single mission.",
    ),
    _seed(
        "advisers",
        "Sofía Marín",
        "Does anyone know how many advisers the mission has now? The factbox would be a good "
        "place for that number.",
    ),
    _seed(
        "rotation",
        "Omar Saleh",
        "I would like to know that too, and how it compares with 2018.",
        reply_to="demo:advisers",
    ),
)


def ensure_demo_thread(comments: CommentService) -> None:
    """Publish the demo thread unless it is there. A failure is logged, never raised: the page
    still renders, and its widget says it could not load the comments."""
    try:
        if comments.seed_published(THREAD, SEED_ACTOR, SEED_REASON):
            log.info("demo thread seeded under article %s", DEMO_ARTICLE_ID)
    # Broad on purpose: a demo convenience must not turn the page into a 500 (database away,
    # schema not migrated yet); the next visit tries again.
    except Exception as error:
        log.warning("demo thread not seeded: %s", error)
