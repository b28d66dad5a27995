"""Worker processes: the scoring worker (RQ SimpleWorker with the model loaded once), the
reconcile scheduler and the container health check. The jobs they run live with their features.
"""
