"""The bulk moderation job: approve or reject what a stored bulk operation names."""

from __future__ import annotations

import logging
from typing import Any

from moderation.review.bulk import BulkService
from moderation.scoring.context import current

log = logging.getLogger(__name__)


def run_bulk(operation_id: int) -> dict[str, Any]:
    """Run bulk operation `operation_id`; progress and result are written to its row.

    A replayed job finds the operation done and returns its result; one interrupted half way
    starts again and finds the comments it already decided unchanged ("already").
    """
    context = current()
    result = BulkService(context.sessions, None).run(operation_id)
    log.info("bulk operation %s: %d changed", operation_id, len(result.get("changed_ids", [])))
    return {"operation_id": operation_id, "changed": len(result.get("changed_ids", []))}
