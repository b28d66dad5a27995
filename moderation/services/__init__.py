"""Use cases: submit, decide, review, reconcile. They own transactions and write audit and
outbox rows; callers (API routes, worker jobs, the CLI) stay thin."""
