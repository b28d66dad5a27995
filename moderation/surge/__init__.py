"""Surge protection: a heated article (its held or rejected share, or its reader reports, past
a level within a window) switches to pre-moderation by itself, and back after a cool-down unless
a moderator pinned it. Counters in Redis, the state on the article's settings row, the trail and
the `article.surge_started` / `article.surge_ended` events; moderators' end and pin.
"""
