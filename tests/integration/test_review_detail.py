"""What the review page reads from the review API: a reply's parent in the detail, the reasons
that set a queue row's outcome, and the glossary of plain names."""

from __future__ import annotations

from typing import Any

from tests.support.settings import MODERATOR_TOKEN, bearer
from tests.support.workbench import comment_row, insert_comments

ALICE = bearer(MODERATOR_TOKEN)


def test_a_reply_comes_with_the_comment_it_answers(client: Any, database_url: str) -> None:
    (parent,) = insert_comments(
        database_url,
        [comment_row(status="approved", author_id="mayor-fan", text="The budget is fair.")],
    )
    reply_row = comment_row(author_id="angry-reader", text="You would say that, idiot.")
    reply_row.update(parent_id=parent, root_id=parent)
    (reply,) = insert_comments(database_url, [reply_row])

    detail = client.get(f"/v1/review/comments/{reply}", headers=ALICE).json
    assert detail["parent_id"] == parent
    assert detail["parent"]["id"] == parent
    assert detail["parent"]["text"] == "The budget is fair."
    assert detail["parent"]["author"] == {"id": "mayor-fan", "name": "Mayor-Fan"}
    assert detail["parent"]["status"] == "approved" and detail["parent"]["created_at"]
    top = client.get(f"/v1/review/comments/{parent}", headers=ALICE).json
    assert top["parent_id"] is None and top["parent"] is None


def test_queue_rows_carry_the_reasons_that_set_the_outcome(client: Any, database_url: str) -> None:
    insert_comments(
        database_url,
        [
            comment_row(
                author_id="reader-e0aa6a26",
                rules=[("suspect_terms", "hold")],
                spans=[[0, 4]],
                scores={"identity_attack": 0.61, "toxicity": 0.2},
            )
        ],
    )
    (row,) = client.get("/v1/review/queue", headers=ALICE).json["comments"]
    assert row["author"] == {"id": "reader-e0aa6a26", "name": "Reader-E0Aa6A26", "verified": False}
    assert row["article_id"] == "article-1" and row["created_at"] and row["parent_id"] is None
    # Labels in their publish band set nothing; spans stay in the detail.
    assert row["acting_reasons"] == [
        {
            "kind": "rule",
            "id": "suspect_terms",
            "action": "hold",
            "message": "suspect_terms matched",
        },
        {
            "kind": "model",
            "id": "identity_attack",
            "action": "hold",
            "score": 0.61,
            "hold": 0.5,
            "reject": 0.95,
        },
    ]


def test_the_glossary_names_rules_labels_reasons_and_queues(client: Any) -> None:
    answer = client.get("/v1/review/glossary", headers=ALICE)
    assert answer.status_code == 200
    terms = answer.json
    rules = {entry["id"]: entry for entry in terms["rules"]}
    labels = {entry["id"]: entry for entry in terms["labels"]}
    assert rules["suspect_terms"]["name"] == "Suspect term"
    assert labels["identity_attack"]["name"] == "Identity attack"
    assert "who they are" in labels["identity_attack"]["explanation"]
    queues = [entry["id"] for entry in terms["queues"]]
    assert queues == ["held", "reported", "pending", "approved", "rejected", "spot_check", "all"]
    assert terms["reason_codes"][0]["id"] == "abusive"
    assert client.get("/v1/review/glossary").status_code == 401
