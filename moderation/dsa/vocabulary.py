"""The words of the DSA feature: statuses, decisions, outcomes, history steps, events."""

from __future__ import annotations

# A notice's statuses, as Coral Talk names them (DSAReportStatus).
AWAITING_REVIEW = "AWAITING_REVIEW"
UNDER_REVIEW = "UNDER_REVIEW"
COMPLETED = "COMPLETED"
VOID = "VOID"
NOTICE_STATUSES = (AWAITING_REVIEW, UNDER_REVIEW, COMPLETED, VOID)
LEGALITIES = ("ILLEGAL", "LEGAL")
# An appeal's statuses and outcomes.
DECIDED = "DECIDED"
APPEAL_STATUSES = (AWAITING_REVIEW, DECIDED)
OUTCOMES = ("upheld", "reversed")
# History steps (Coral Talk's DSAReportHistoryType, with RECEIVED for the first).
RECEIVED = "RECEIVED"
STATUS_CHANGED = "STATUS_CHANGED"
NOTE = "NOTE"
DECISION_MADE = "DECISION_MADE"
# Webhook events (webhooks/subscriptions.py OPT_IN_EVENT_TYPES: endpoints name them to get them).
EVENTS = (
    "dsa_notice.received",
    "dsa_notice.status_changed",
    "dsa_notice.decided",
    "appeal.received",
    "appeal.decided",
)
