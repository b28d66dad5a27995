"""What an article id may be: the id a newsroom's CMS gives its article, safe in a URL path."""

from __future__ import annotations

import re

from moderation.errors import InvalidRequestError

_ARTICLE_ID = re.compile(r"^[\w.:~@+-]{1,200}$")


def checked_article_id(article_id: str) -> str:
    """`article_id` itself, or InvalidRequestError naming the field."""
    if not _ARTICLE_ID.match(article_id):
        raise InvalidRequestError(
            "article_id must be 1-200 letters, digits or . _ : ~ @ + -", field="article_id"
        )
    return article_id
