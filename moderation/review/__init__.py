"""The moderators' workbench: review queues, claims, decisions and undo, bulk work, author
actions, reader reports, the audit trail and workbench figures, with their API.
"""
