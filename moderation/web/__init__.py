"""The HTTP layer every feature's API shares: error answers, bearer tokens, CORS, the request
context and typed access to the app's services, base schemas, health probes, /metrics and the
gunicorn settings. Features' blueprints live in their own packages.
"""
