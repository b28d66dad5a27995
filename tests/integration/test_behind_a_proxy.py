"""Behind a reverse proxy (`server.proxy_hops`), the client is the one its X-Forwarded-For names;
without one, that header is the client's own word and changes nothing."""

from __future__ import annotations

import pytest

from moderation.config import Settings
from tests.support.workbench import comment_row, insert_comments


def reports_from(settings: Settings, database_url: str, hops: int) -> list[int]:
    """Status codes of 3 reports from one forwarded address, then 1 from another, at 3 a minute,
    all arriving from the same socket address (the proxy's)."""
    from moderation.app import create_app

    client = create_app(
        settings.replace(
            server={"proxy_hops": hops}, limits={"enabled": True, "reports_per_address": "3/minute"}
        )
    ).test_client()
    ids = insert_comments(
        database_url, [comment_row(status="approved", decision="approve") for _ in range(4)]
    )
    forwarded = ["203.0.113.7"] * 3 + ["198.51.100.9"]
    return [
        client.post(
            f"/v1/comments/{comment_id}/reports",
            json={"reader_id": f"reader-{number}", "reason": "spam"},
            headers={"X-Forwarded-For": address},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        ).status_code
        for number, (comment_id, address) in enumerate(zip(ids, forwarded, strict=True))
    ]


@pytest.mark.usefixtures("clean_state")
def test_behind_one_proxy_each_forwarded_client_has_its_own_report_limit(
    settings: Settings, database_url: str
) -> None:
    assert reports_from(settings, database_url, hops=1) == [201, 201, 201, 201]


@pytest.mark.usefixtures("clean_state")
def test_without_a_proxy_a_forwarded_header_does_not_escape_the_limit(
    settings: Settings, database_url: str
) -> None:
    assert reports_from(settings, database_url, hops=0) == [201, 201, 201, 429]
