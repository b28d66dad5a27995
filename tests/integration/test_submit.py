"""Intake: stored as pending, enqueued after commit, idempotent, threaded public listing."""

from __future__ import annotations

from typing import Any

from redis import Redis
from rq import Queue

from moderation.app import create_app
from moderation.comments.service import CommentService
from moderation.config import Settings
from moderation.review.service import ReviewService
from moderation.web.context import service_of


def post(client: Any, text: str, article: str = "a-1", **extra: Any) -> Any:
    headers = extra.pop("headers", {})
    body = {"author": {"id": extra.pop("author", "r1"), "name": "Reader"}, "text": text, **extra}
    return client.post(f"/v1/articles/{article}/comments", json=body, headers=headers)


def approve(app: Any, comment_id: int) -> None:
    """Publish a comment the way a moderator would (the review service, at its version)."""
    from moderation.review.service import Decision

    review = service_of(app, ReviewService)
    version = review.detail(comment_id).comment.version
    review.decide(Decision(comment_id, "approve", version, "test-moderator"))


def test_submit_stores_pending_and_enqueues_a_scoring_job(client: Any, settings: Settings) -> None:
    answer = post(client, "A thoughtful remark.", headers={"X-Request-ID": "req-123"})
    assert answer.status_code == 202
    body = answer.json
    assert body["status"] == "pending" and body["reason_code"] is None
    assert answer.headers["Location"] == body["status_url"]
    assert answer.headers["X-Request-ID"] == "req-123"
    assert client.get(f"/v1/comments/{body['id']}").json["status"] == "pending"

    queue = Queue(settings.redis.score_queue, connection=Redis.from_url(settings.redis.url))
    jobs = queue.get_jobs()
    assert len(jobs) == 1
    assert jobs[0].func_name == "moderation.scoring.jobs.score_comments"
    assert jobs[0].args == ([body["id"]], "req-123")


def test_waiting_job_is_shared_until_it_starts(client: Any, settings: Settings) -> None:
    from moderation.scoring.queue import RQWorkQueue

    connection = Redis.from_url(settings.redis.url)
    queue = Queue(settings.redis.score_queue, connection=connection)
    for number in range(3):
        assert post(client, f"Comment {number}.").status_code == 202
    assert queue.count == 1
    RQWorkQueue(connection, settings.redis.score_queue).job_started()
    post(client, "After the job started.")
    assert queue.count == 2


def test_idempotency_key_returns_the_same_comment(client: Any, settings: Settings) -> None:
    headers = {"Idempotency-Key": "post-7f3a"}
    first = post(client, "Only once, please.", headers=headers)
    again = post(client, "Only once, please.", headers=headers)
    assert first.status_code == 202 and again.status_code == 200
    assert first.json["id"] == again.json["id"]
    other_author = post(client, "Only once, please.", headers=headers, author="r2")
    assert other_author.status_code == 202 and other_author.json["id"] != first.json["id"]
    changed = post(client, "A different text.", headers=headers)
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json["message"]
    queue = Queue(settings.redis.score_queue, connection=Redis.from_url(settings.redis.url))
    assert queue.count == 1  # the second comment joins the job already waiting (coalescing)


def test_comment_is_kept_when_redis_is_down(settings: Settings, clean_state: None) -> None:
    unreachable = settings.replace(redis={"url": "redis://127.0.0.1:1/0"})
    client = create_app(unreachable).test_client()
    answer = post(client, "Posted while Redis is away.")
    assert answer.status_code == 202
    assert client.get(f"/v1/comments/{answer.json['id']}").json["status"] == "pending"


def test_public_list_shows_approved_threads_oldest_first(app: Any, client: Any) -> None:
    first = post(client, "First.").json["id"]
    second = post(client, "Second.").json["id"]
    hidden = post(client, "Never approved.").json["id"]
    approve(app, first)
    approve(app, second)
    reply = post(client, "A reply.", parent_id=first).json["id"]
    approve(app, reply)
    nested = post(client, "A reply to the reply.", parent_id=reply).json["id"]
    approve(app, nested)
    post(client, "A pending reply.", parent_id=first)
    other_article = post(client, "Elsewhere.", article="a-2").json["id"]
    approve(app, other_article)

    page = client.get("/v1/articles/a-1/comments").json
    assert [comment["id"] for comment in page["comments"]] == [first, second]
    assert hidden not in [comment["id"] for comment in page["comments"]]
    replies = page["comments"][0]["replies"]
    assert [r["id"] for r in replies] == [reply]
    assert [r["id"] for r in replies[0]["replies"]] == [nested]
    assert page["comments"][0]["author"] == {"name": "Reader"}
    assert page["next_cursor"] is None


def test_the_first_page_counts_what_readers_see(app: Any, client: Any) -> None:
    """Visible comments and replies, on every page of threads, a reply whose thread's top was
    rejected after the reply was published included (it shows under a placeholder); not
    pending ones, nor the placeholder."""
    tops = [post(client, f"Top {n}.").json["id"] for n in range(3)]
    for top in tops:
        approve(app, top)
    reply = post(client, "A reply.", parent_id=tops[0]).json["id"]
    approve(app, reply)
    orphan = post(client, "A reply to a thread about to go.", parent_id=tops[2]).json["id"]
    approve(app, orphan)
    post(client, "Still pending.")
    post(client, "Elsewhere.", article="a-2")
    review = service_of(app, ReviewService)
    from moderation.review.service import Decision

    version = review.detail(tops[2]).comment.version
    review.decide(Decision(tops[2], "reject", version, "test-moderator", reason_code="spam"))

    first = client.get("/v1/articles/a-1/comments?limit=1").json
    assert first["total"] == 4  # two tops, the reply and the orphan; not the pending one
    later = client.get(f"/v1/articles/a-1/comments?limit=1&cursor={first['next_cursor']}").json
    assert later["total"] is None
    newest = client.get("/v1/articles/a-1/comments?order=newest").json
    assert newest["total"] == 4
    [placeholder, *_] = newest["comments"]
    assert (placeholder["id"], placeholder["removed"], placeholder["text"]) == (tops[2], True, None)
    assert [r["id"] for r in placeholder["replies"]] == [orphan]
    assert client.get("/v1/articles/nothing-here/comments").json["total"] == 0


def test_a_count_is_reused_for_a_while_and_the_oldest_is_dropped(app: Any, client: Any) -> None:
    """Without the Redis page cache (reads.cache_seconds 0) a count is reused by time alone;
    with it, a change counts afresh (tests/integration/test_thread_cache.py)."""
    from moderation.comments.counts import VisibleCounts
    from moderation.comments.thread_cache import ThreadCache

    service_of(app, ThreadCache).seconds = 0
    service = service_of(app, CommentService)
    service.counts = VisibleCounts(seconds=3600, kept=2)
    approve(app, post(client, "First.").json["id"])
    assert client.get("/v1/articles/a-1/comments").json["total"] == 1
    approve(app, post(client, "Second.").json["id"])
    assert client.get("/v1/articles/a-1/comments").json["total"] == 1  # reused
    for other in ("a-2", "a-3"):  # two more articles: a-1's count is the oldest, dropped
        client.get(f"/v1/articles/{other}/comments")
    assert client.get("/v1/articles/a-1/comments").json["total"] == 2
    service.counts = VisibleCounts(seconds=0)
    approve(app, post(client, "Third.").json["id"])
    assert client.get("/v1/articles/a-1/comments").json["total"] == 3


def test_public_list_pages_by_cursor(app: Any, client: Any) -> None:
    ids = [post(client, f"Comment {n}.").json["id"] for n in range(5)]
    for comment_id in ids:
        approve(app, comment_id)
    seen: list[int] = []
    cursor = ""
    while True:
        page = client.get(f"/v1/articles/a-1/comments?limit=2&cursor={cursor}").json
        seen += [comment["id"] for comment in page["comments"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert seen == ids


def test_public_list_pages_newest_first(app: Any, client: Any) -> None:
    ids = [post(client, f"Comment {n}.").json["id"] for n in range(5)]
    for comment_id in ids:
        approve(app, comment_id)
    first = client.get("/v1/articles/a-1/comments?order=newest&limit=3").json
    assert [c["id"] for c in first["comments"]] == ids[::-1][:3]
    cursor = first["next_cursor"]
    rest = client.get(f"/v1/articles/a-1/comments?order=newest&limit=3&cursor={cursor}").json
    assert [c["id"] for c in rest["comments"]] == ids[::-1][3:]
    assert rest["next_cursor"] is None
    mixed = client.get(f"/v1/articles/a-1/comments?order=oldest&cursor={cursor}")
    assert mixed.status_code == 422 and "cursor" in mixed.json["message"]
    bad = client.get("/v1/articles/a-1/comments?order=random")
    assert bad.status_code == 422 and "order" in bad.json["message"]


def test_reply_to_an_unpublished_comment_is_refused(client: Any) -> None:
    parent = post(client, "Still pending.").json["id"]
    answer = post(client, "Reply.", parent_id=parent)
    assert answer.status_code == 422 and "parent_id" in answer.json["message"]
    elsewhere = post(client, "Reply.", article="a-2", parent_id=parent)
    assert elsewhere.status_code == 422


def test_status_url_uses_the_configured_public_address(
    settings: Settings, clean_state: None
) -> None:
    behind_proxy = settings.replace(server={"public_base_url": "https://comments.example/"})
    client = create_app(behind_proxy).test_client()
    answer = post(client, "Posted through a proxy.")
    expected = f"https://comments.example/v1/comments/{answer.json['id']}"
    assert answer.json["status_url"] == expected
    assert answer.headers["Location"] == expected


def test_posted_answer_matches_the_stored_comment(client: Any) -> None:
    posted = post(client, "Stored as answered.").json
    # The edit token is in the answer that took the comment only, never in its status.
    assert posted.pop("edit_token").startswith("cet_")
    assert posted == client.get(f"/v1/comments/{posted['id']}").json
    assert posted["created_at"] and posted["decided_at"] is None and posted["parent_id"] is None


def test_submit_writes_thread_root_audit_record_and_created_event(
    app: Any, client: Any, settings: Settings
) -> None:
    from sqlalchemy import select

    from moderation.comments.models import AuditRecord, Comment
    from moderation.comments.transitions import comment_payload
    from moderation.events.models import OutboxEvent

    top = post(client, "Top of a thread.", headers={"X-Request-ID": "req-top"}).json["id"]
    approve(app, top)
    reply = post(client, "A reply.", parent_id=top).json["id"]
    approve(app, reply)
    nested = post(client, "A reply to the reply.", parent_id=reply).json["id"]

    sessions = service_of(app, CommentService).sessions
    with sessions() as session:
        roots = {c.id: c.root_id for c in session.scalars(select(Comment))}
        audit = session.scalars(select(AuditRecord).where(AuditRecord.comment_id == top)).first()
        created = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "comment.created")
        ).all()
        stored_top = session.get(Comment, top)
    assert roots == {top: top, reply: top, nested: top}
    assert audit is not None
    assert (audit.actor_type, audit.actor, audit.from_status, audit.to_status) == (
        "author",
        "r1",
        None,
        "pending",
    )
    assert (audit.reason, audit.request_id, audit.version) == ("submitted", "req-top", 1)
    assert [event.comment_id for event in created] == [top, reply, nested]
    first = created[0]
    assert first.payload["id"] == first.event_id and first.event_id.startswith("evt_")
    assert set(first.payload) == {"id", "type", "timestamp", "data"}
    assert first.payload["type"] == "comment.created"
    assert stored_top is not None and stored_top.version > 1  # approved since
    expected = comment_payload(stored_top) | {"status": "pending", "text": None, "version": 1}
    assert first.payload["data"] == {"comment": expected}
    # Each commit that wrote an event asks for a webhook fan-out (coalesced into one job).
    webhooks = Queue(settings.webhooks.queue, connection=Redis.from_url(settings.redis.url))
    assert webhooks.count == 1


def test_idempotency_race_answers_with_the_first_comment(app: Any, client: Any) -> None:
    from moderation.comments.service import CommentService, NewComment

    service = service_of(app, CommentService)
    new = NewComment("a-1", "r1", "Reader", "Sent twice at once.", idempotency_key="k-race")
    first = service.submit(new)
    looked_up = service._by_key
    calls: list[str] = []

    def late_lookup(key: str, comment: NewComment) -> Any:
        # The racing request looked before the first one committed, so it saw nothing.
        calls.append(key)
        return None if len(calls) == 1 else looked_up(key, comment)

    service._by_key = late_lookup  # type: ignore[method-assign]
    again = service.submit(new)
    assert len(calls) == 2
    assert again.created is False and again.comment.id == first.comment.id
    assert first.created is True
