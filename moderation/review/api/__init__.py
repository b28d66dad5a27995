"""The workbench's HTTP API: queues and decisions, authors, reader reports, audit, stats."""
