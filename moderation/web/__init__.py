"""Server-rendered pages and the embeddable widget; they use the public API over HTTP."""
