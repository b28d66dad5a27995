"""Storage plumbing shared by every feature: the declarative base, the engine and session
factory, migrations. Each feature keeps its own tables in its own `models.py`.
"""
