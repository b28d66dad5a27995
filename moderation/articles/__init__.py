"""Per-article settings: close an article to comments, pre-moderate it, override rule
settings. Its table, service and admin API.
"""
