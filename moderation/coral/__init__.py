"""Coral Talk's External Moderation Phase: Coral posts each new or edited comment, signed; the
service decides it at once (decisions/) and answers in Coral's shape (docs/coral.md)."""
