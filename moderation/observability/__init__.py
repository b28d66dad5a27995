"""Metrics (Prometheus) and logs (text or JSON, tagged with the request id)."""
