"""Coral's signature scheme and the mapping of verdicts to Coral's phase answers (pure).

The reference values follow Coral's own code (coralproject/talk): `generateSignatures` in
src/core/server/models/settings signs the body with HMAC-SHA256 and joins "sha256=<hex>" values
with ","; external.ts `validateResponse` takes FLAG actions with COMMENT_DETECTED_TOXIC or
COMMENT_DETECTED_SPAM and a COMMENT_STATUS.
"""

from __future__ import annotations

import hashlib
import hmac

from moderation.coral.phase import SPAM, TOXIC, answer
from moderation.coral.signature import sign, signatures, verify
from moderation.decisions.nudge import nudge_answer
from moderation.decisions.service import Decided
from moderation.pipeline.verdict import RuleHit, decide

BODY = b'{\n  "action": "NEW",\n  "comment": {\n    "body": "Hello"\n  }\n}'
THRESHOLDS = {"toxicity": (0.5, 0.9)}


def test_signature_is_hmac_sha256_of_the_raw_body_in_hex() -> None:
    expected = hmac.new(b"ssc_secret-one", BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, "ssc_secret-one") == expected
    assert verify(BODY, f"sha256={expected}", ["ssc_secret-one"])


def test_any_of_several_signatures_matching_any_secret_verifies() -> None:
    header = f"sha256={sign(BODY, 'ssc_new')},sha256={sign(BODY, 'ssc_old')}"
    assert signatures(header) == [sign(BODY, "ssc_new"), sign(BODY, "ssc_old")]
    assert verify(BODY, header, ["ssc_old"])
    assert verify(BODY, header, ["ssc_other", "ssc_new"])
    assert not verify(BODY, header, ["ssc_other"])


def test_wrong_prefix_body_or_oversized_header_fails() -> None:
    good = sign(BODY, "ssc_a")
    assert not verify(BODY, f"sha1={good}", ["ssc_a"])
    assert not verify(BODY + b" ", f"sha256={good}", ["ssc_a"])
    assert not verify(BODY, f"sha256={good}," + "x" * 3000, ["ssc_a"])
    assert not verify(BODY, "sha256=\u00e9\u00e9", ["ssc_a"])
    assert not verify(BODY, "", ["ssc_a"])


def hit(action: str, code: str, rule: str = "r") -> RuleHit:
    return RuleHit(rule, action, f"{rule} matched", code)  # type: ignore[arg-type]


def test_approve_is_204_with_no_body() -> None:
    verdict = decide([], {"toxicity": 0.1}, THRESHOLDS)
    assert answer(Decided(verdict, True, 0.01)) == (204, None)


def test_reject_and_hold_carry_flags_by_reason_kind() -> None:
    rejected = decide([hit("reject", "offensive_language")], {"toxicity": 0.95}, THRESHOLDS)
    status, body = answer(Decided(rejected, True, 0.01))
    assert status == 200 and body is not None
    assert body["status"] == "REJECTED"
    assert [a["reason"] for a in body["actions"]] == [TOXIC]
    assert all(a["actionType"] == "FLAG" for a in body["actions"])

    held = decide([hit("hold", "links", "links")], {"toxicity": 0.6}, THRESHOLDS)
    status, body = answer(Decided(held, True, 0.01))
    assert body is not None and body["status"] == "SYSTEM_WITHHELD"
    assert [a["reason"] for a in body["actions"]] == [SPAM, TOXIC]


def test_undecided_goes_to_corals_premoderation_queue() -> None:
    verdict = decide([], None, THRESHOLDS, model_error="No scoring worker answered within 600 ms")
    assert verdict.decision == "hold"
    assert answer(Decided(verdict, False, 0.6)) == (200, {"status": "PREMOD"})


def test_nudge_tells_only_what_rephrasing_can_change() -> None:
    premoderated = decide([hit("hold", "premoderation")], {"toxicity": 0.1}, THRESHOLDS)
    assert nudge_answer(Decided(premoderated, True, 0.01))["nudge"] is False
    toxic = decide([hit("hold", "premoderation")], {"toxicity": 0.95}, THRESHOLDS)
    told = nudge_answer(Decided(toxic, True, 0.01))
    assert told == {
        "enabled": True,
        "outcome": "reject",
        "nudge": True,
        "reasons": ["toxic_language"],
    }
    unknown = decide([], None, THRESHOLDS, model_error="too slow")
    assert nudge_answer(Decided(unknown, False, 0.3))["outcome"] == "unknown"
    assert nudge_answer(None)["nudge"] is False


def test_undecided_keeps_the_rules_holds_for_the_person_who_decides() -> None:
    verdict = decide([hit("hold", "links", "links")], None, THRESHOLDS, model_error="too slow")
    assert answer(Decided(verdict, False, 0.6))[0] == 200
    _, body = answer(Decided(verdict, False, 0.6))
    assert body is not None and body["status"] == "PREMOD"
    assert [a["reason"] for a in body["actions"]] == [SPAM]


def test_a_trusted_authors_reject_is_still_flagged() -> None:
    verdict = decide(
        [hit("reject", "offensive_language")], {"toxicity": 0.1}, THRESHOLDS, trusted=True
    )
    _, body = answer(Decided(verdict, True, 0.01))
    assert body is not None and body["status"] == "REJECTED"
    assert [a["reason"] for a in body["actions"]] == [TOXIC]
