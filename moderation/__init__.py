"""Comment moderation for news sites: intake API, background scoring, review queue, webhooks."""

__version__ = "0.1.0"
