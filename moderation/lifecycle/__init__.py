"""How worker processes live and stop: a Redis client that waits out an outage, an RQ worker
that stops within its grace period, and the watchdog that enforces it. Used by the scoring
worker, the webhook worker and the scheduler; it knows no feature.
"""
