"""Synchronous decisions: "decide this text now", with the site's rules, the model on the scoring
workers and a deadline, storing nothing. Coral's External Moderation Phase (coral/) and the
widget's pre-check of a draft (the nudge, `api.py` here) both ask it."""
