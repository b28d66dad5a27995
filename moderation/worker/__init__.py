"""Scoring workers: RQ jobs and the worker process that runs them with the model loaded once."""
