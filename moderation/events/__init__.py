"""Events for other systems: the outbox table, written in the same transaction as the change
it reports, and the hook by which a feature hears that a transaction committed events.

The core writes events without knowing who reads them; webhooks subscribe (webhooks/queue.py).
"""
