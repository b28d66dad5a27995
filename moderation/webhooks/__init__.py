"""Outgoing webhooks: subscriptions and their admin API, the fan-out of outbox events to
endpoints, per-endpoint ordered delivery with retries and dead letters, Standard Webhooks
signing, address safety, and the webhook worker process.

signing.py, retry.py, safety.py and sender.py touch neither the database nor the queue; the
services (subscriptions, fanout, deliveries) and jobs decide what to send and when.
"""
