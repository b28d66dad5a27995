"""The service's flask-smorest Blueprint: request schemas built once, not once per request.

webargs builds a new instance of a schema *class* for every request it parses (two per comment
posted: the body and the headers), which cost about 0.2 ms of the 3-4 ms of CPU that taking a
comment in costs (a profile of the intake path, docs/benchmarks.md). A schema instance is
reused as it is: ours hold no per-request state (marshmallow 4 has no schema context). The
OpenAPI document names components by class, so it is the same either way.
"""

from __future__ import annotations

from typing import Any

import flask_smorest


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """flask_smorest.Blueprint whose `arguments` takes a schema class and builds it once."""

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)
