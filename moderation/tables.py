"""Every feature's tables on one metadata: for migrations (migrations/env.py) and for tests that
empty the tables between cases."""

from __future__ import annotations

from sqlalchemy import MetaData

from moderation.accounts import models as accounts
from moderation.articles import models as articles
from moderation.comments import models as comments
from moderation.db.base import Base
from moderation.dsa import models as dsa
from moderation.events import models as events
from moderation.learning import models as learning
from moderation.perspective import models as perspective
from moderation.policies import models as policies
from moderation.privacy import models as privacy
from moderation.review import models as review
from moderation.sites import models as sites
from moderation.surge import models as surge
from moderation.transfer import models as transfer
from moderation.webhooks import models as webhooks

FEATURE_MODELS = (
    accounts,
    articles,
    comments,
    dsa,
    events,
    learning,
    perspective,
    policies,
    privacy,
    review,
    sites,
    surge,
    transfer,
    webhooks,
)


def metadata() -> MetaData:
    """The metadata of every table the migrations create."""
    return Base.metadata
