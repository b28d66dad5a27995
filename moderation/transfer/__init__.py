"""Comments in and out of the service as NDJSON: export (streamed, per site, by article or date
range) and an idempotent import, with their decisions, earlier texts and authors' standing.
The record format is docs/transfer.md; the reasons are in decision record 0024."""
