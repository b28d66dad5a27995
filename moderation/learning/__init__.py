"""A site model trained from its moderators' decisions (docs/learning.md)."""
