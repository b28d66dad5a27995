"""The Perspective-compatible API (commentanalyzer v1alpha1): analyze and suggestscore on
Google's wire format, API keys and quotas, score feedback, the discovery document, and the
analyze calls that scoring workers answer between their comment batches.
"""
