"""Sites' policies as a feature: versions, candidates run in the shadows, the report that
compares them with people's decisions, calibration from those decisions, and spot checks.

The versions themselves are the site's (sites/policies.py): a site's settings are its live
policy. This package sits under scoring, which records shadow verdicts and spot checks in the
batch's own transaction (docs/policies.md).
"""
