"""A new comment's row, by Core INSERT (its audit record and event: transitions.py).

Intake is the hottest write path, and the ORM unit of work (session.add, then a flush at
commit) cost more CPU than the rest of the request together. The statements are built once
here and take their values as parameters, because building one with `.values(...)` and its
cache key on every request costs more than running it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from moderation.comments.models import Comment

_INSERT_COMMENT = insert(Comment).returning(Comment.id)
# A top-level comment is the root of its own thread. On PostgreSQL its id is drawn from the
# sequence once (a CTE read twice is materialised) and written to both columns in one INSERT;
# SQLite sets root_id with an UPDATE after.
_DRAWN_ID = select(
    func.nextval(func.pg_get_serial_sequence(Comment.__tablename__, "id")).label("id")
).cte("new_comment_id")
_INSERT_TOP_LEVEL_COMMENT_POSTGRES = (
    insert(Comment)
    .values(id=select(_DRAWN_ID.c.id).scalar_subquery())
    .values(root_id=select(_DRAWN_ID.c.id).scalar_subquery())
    .returning(Comment.id)
)
_SET_OWN_ROOT = (
    update(Comment)
    .where(Comment.id == bindparam("comment_id"))
    .values(root_id=bindparam("comment_id"))
)


def insert_comment(session: Session, values: dict[str, Any]) -> Comment:
    """INSERT a comment; return it fully loaded and detached, as a committed add would.

    `values` holds the columns a caller sets; a missing root_id makes it a thread's root.
    """
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    top_level = values.get("root_id") is None
    if top_level and postgres:
        parameters = {name: value for name, value in values.items() if name != "root_id"}
        result = connection.execute(_INSERT_TOP_LEVEL_COMMENT_POSTGRES, parameters)
    else:
        result = connection.execute(_INSERT_COMMENT, values)
    comment_id = result.scalar_one()
    # Every column as the INSERT sent it, the model's Python-side defaults included.
    inserted = result.last_inserted_params()
    assert not isinstance(inserted, list)  # a list only for executemany
    row = {**inserted, "id": comment_id}
    if top_level:
        row["root_id"] = comment_id
        if not postgres:
            connection.execute(_SET_OWN_ROOT, {"comment_id": comment_id})
    comment = Comment(**{column.key: row.get(column.key) for column in Comment.__table__.columns})
    make_transient_to_detached(comment)
    return comment
