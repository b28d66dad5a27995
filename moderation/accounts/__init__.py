"""Moderator accounts: people (not shared tokens), their roles per site and their API tokens.

Owns the `accounts`, `account_roles` and `account_tokens` tables (models.py), the token format
and hashing (tokens.py), finding the holder of a token on each request (lookup.py, wired into
web/auth.py by the app), managing people, roles and tokens with the rules of who may manage
whom (service.py, permissions.py), the admin API `/v1/admin/users` (api.py, schemas.py) and the
`moderation users` commands (cli.py).
"""
