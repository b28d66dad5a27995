"""Finding the holder of a person's token on each request (`web.principal.AccountLookup`).

No cache: every request runs one query, an equality lookup on the unique index of the token's
hash joined to its person and their roles, so a revoked token, a revoked person or a removed
role is refused by every web process from the next request on. Measured with
bench/bench_accounts.py on PostgreSQL: about 1 ms per lookup on a busy 2-core machine
(docs/operations.md, "Moderator accounts"), against the 20 ms of a queue page; a cache would
save that millisecond and let a revoked token work on until it expired.

`last_used_at` is written at most once a minute per token: the read tells whether the stored
value is older than that, and only then is a conditional UPDATE sent, so a busy moderator costs
one write a minute, not one per request.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from moderation.accounts.models import Account, AccountRole, AccountToken
from moderation.accounts.tokens import looks_like_token, token_hash
from moderation.db.base import utcnow
from moderation.web.principal import Principal

TOUCH_EVERY = dt.timedelta(minutes=1)

_HOLDER = (
    select(
        AccountToken.id.label("token_id"),
        AccountToken.last_used_at,
        Account.id.label("account_id"),
        Account.login,
        AccountRole.role,
        AccountRole.site_id,
    )
    .join(Account, Account.id == AccountToken.account_id)
    .outerjoin(AccountRole, AccountRole.account_id == Account.id)
    .where(AccountToken.revoked_at.is_(None), Account.revoked_at.is_(None))
)


class AccountTokens:
    """People's tokens, looked up by hash; what `auth.use_accounts` is given."""

    def __init__(
        self, sessions: sessionmaker[Session], touch_every: dt.timedelta = TOUCH_EVERY
    ) -> None:
        self.sessions = sessions
        self.touch_every = touch_every

    def handles(self, token: str) -> bool:
        return looks_like_token(token)

    def principal_for(self, token: str) -> Principal | None:
        with self.sessions() as session:
            rows = session.execute(_HOLDER.where(AccountToken.token_hash == token_hash(token)))
            found = list(rows)
            if not found:
                return None
            first = found[0]
            now = utcnow()
            last = first.last_used_at
            if last is None or now - last >= self.touch_every:
                self._touch(session, first.token_id, now)
        grants = [(row.role, row.site_id) for row in found if row.role is not None]
        return Principal.of(first.login, grants, first.account_id, first.token_id)

    def _touch(self, session: Session, token_id: int, now: dt.datetime) -> None:
        # Conditional, so that web processes that read the same old value write it once.
        session.execute(
            update(AccountToken)
            .where(
                AccountToken.id == token_id,
                or_(
                    AccountToken.last_used_at.is_(None),
                    AccountToken.last_used_at <= now - self.touch_every,
                ),
            )
            .values(last_used_at=now)
        )
        session.commit()
