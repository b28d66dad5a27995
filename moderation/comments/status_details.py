"""What a feature adds to a comment's public status, without the core knowing the feature.

The core's own answer is nothing. The DSA feature (moderation/dsa/statements.py) subclasses it
to add the statement of reasons of a held or rejected comment; `create_app` provides it, and
`comments/api.py` asks for `StatusDetails` (the typed lookup finds the subclass).
"""

from __future__ import annotations

from typing import Any

from moderation.comments.models import Comment


class StatusDetails:
    """Extra parts of a comment's public status; the core adds none."""

    def statement_of_reasons(self, comment: Comment) -> dict[str, Any] | None:
        """Why the comment is restricted, for its author; None when it is not (or unknown)."""
        return None
