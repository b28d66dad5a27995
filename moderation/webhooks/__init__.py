"""Outgoing webhooks: Standard Webhooks signing, the retry schedule, address safety, HTTP delivery.

Nothing here touches the database or the queue; services/ and worker/ decide what to send and
when, and call into these modules to sign, check and send one request.
"""
