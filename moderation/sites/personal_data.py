"""Sites hold nothing about comment authors (moderation/db/personal.py says what a declaration
is)."""

from __future__ import annotations

from moderation.db.personal import Declaration, NoAuthorData

PERSONAL_DATA: tuple[Declaration, ...] = (
    NoAuthorData(
        "sites", "a site's name, origins and settings, and the staff member who changed them"
    ),
    NoAuthorData(
        "site_policies",
        "a site's policy versions: thresholds, rule settings and model, with the admin who made "
        "each and why; never an author",
    ),
    NoAuthorData(
        "site_policy_events",
        "who promoted, shadowed or rolled back a site's policy, and why: admins, never authors",
    ),
)
