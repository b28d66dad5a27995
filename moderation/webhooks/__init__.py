"""Webhooks: Standard Webhooks signing, retry schedule, address safety, delivery over HTTP."""
