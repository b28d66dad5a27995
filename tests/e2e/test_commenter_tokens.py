"""Commenter tokens through the real HTTP API (gunicorn, a scoring worker, PostgreSQL, Redis):
every forgery and misuse of a newsroom's SSO token is refused with a 401 naming why, a session
carries the reader's identity onto comments and reports, and an anonymous author cannot pass for
a verified one or dodge a ban by changing id."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from moderation.db.session import make_engine
from moderation.secrets import SecretBox
from tests.support.commenters import (
    HS_SECRET,
    claims,
    ec_key,
    hmac_signed_with,
    jwks,
    private_pem,
    public_pem,
    rsa_key,
    sign,
    tampered,
    unsigned,
)
from tests.support.live import running_service, wait_for_status
from tests.support.settings import (
    ADMIN_TOKEN,
    MODERATOR_TOKEN,
    WEBHOOK_KEY,
    WIDGET_HOST_ORIGIN,
    bearer,
)

pytestmark = pytest.mark.e2e

CLEAN = "Thanks for the clear explanation of the council budget."


@pytest.fixture(scope="module")
def live_service(
    database_url: str,
    redis_url: str,
    tiny_model: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """The live service, reading site settings afresh on every request (no 5 s cache), so a
    site changed by one gunicorn worker is in force in the other at once."""
    yield from running_service(
        database_url,
        redis_url,
        tiny_model,
        tmp_path_factory.mktemp("commenter-logs"),
        MODERATION_WEB_ALLOWED_ORIGINS=WIDGET_HOST_ORIGIN,
        MODERATION_SITES_CACHE_SECONDS="0",
    )


class Newsroom:
    """Keys of the newsrooms whose sites these tests make, and calls to the live API."""

    def __init__(self, base: str, folder: Path) -> None:
        self.base = base
        self.rsa = rsa_key()
        self.other_rsa = rsa_key()
        self.ec = ec_key()
        self.jwks_file = folder / "newsroom-jwks.json"
        self.jwks_file.write_text(jwks(("ec-1", self.ec)))

    def admin(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(
            method, self.base + path, json=body, headers=bearer(ADMIN_TOKEN), timeout=10
        )

    def make_site(self, site: str, anonymous: str, commenters: dict[str, Any] | None) -> None:
        body: dict[str, Any] = {"id": site, "anonymous": anonymous}
        if commenters is not None:
            body["commenters"] = commenters
        made = self.admin("POST", "/v1/sites", body)
        assert made.status_code == 201, made.text

    def exchange(self, site: str, token: str | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return requests.post(
            f"{self.base}/v1/sites/{site}/commenter-sessions", json={}, headers=headers, timeout=10
        )

    def session(self, site: str, token: str) -> str:
        answer = self.exchange(site, token)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

    def post(
        self,
        site: str,
        article: str,
        session: str | None = None,
        author: dict[str, str] | None = None,
        body: str = CLEAN,
    ) -> requests.Response:
        payload: dict[str, Any] = {"text": body}
        if author is not None:
            payload["author"] = author
        headers = {"Authorization": f"Bearer {session}"} if session else {}
        return requests.post(
            f"{self.base}/v1/sites/{site}/articles/{article}/comments",
            json=payload,
            headers=headers,
            timeout=10,
        )

    def detail(self, comment_id: int) -> dict[str, Any]:
        answer = requests.get(
            f"{self.base}/v1/review/comments/{comment_id}",
            headers=bearer(MODERATOR_TOKEN),
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture(scope="module")
def newsroom(live_service: Any, tmp_path_factory: pytest.TempPathFactory) -> Newsroom:
    """Sites with each kind of key, made through the admin API."""
    room = Newsroom(live_service.base_url, tmp_path_factory.mktemp("newsroom"))
    room.make_site("rs-site", "off", {"algorithms": ["RS256"], "public_key": public_pem(room.rsa)})
    room.make_site("hs-site", "allow", {"algorithms": ["HS256"], "secret": HS_SECRET})
    room.make_site(
        "es-site", "premoderate", {"algorithms": ["ES256"], "jwks_file": str(room.jwks_file)}
    )
    room.make_site(
        "both-site",
        "allow",
        {"algorithms": ["HS256", "RS256"], "secret": HS_SECRET, "public_key": public_pem(room.rsa)},
    )
    # Two sites of one newsroom that share its key: the audience tells their tokens apart.
    shared = {"algorithms": ["RS256"], "public_key": public_pem(room.other_rsa)}
    room.make_site("twin-a", "allow", shared)
    room.make_site("twin-b", "allow", shared)
    room.make_site("plain-site", "allow", None)
    return room


def refusal(answer: requests.Response) -> str:
    """The reason of a 401, after checking it is one and says so in JSON and the header."""
    assert answer.status_code == 401, answer.text
    body = answer.json()
    assert body["reason"] in answer.headers["WWW-Authenticate"]
    assert body["message"]
    return str(body["reason"])


# ---- the exchange: each forgery or misuse refused, naming why ----


def test_a_good_token_is_exchanged_for_a_session_bound_to_its_reader(newsroom: Newsroom) -> None:
    answer = newsroom.exchange("rs-site", sign(claims("reader-1", "Ada"), newsroom.rsa, "RS256"))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["user"] == {"id": "reader-1", "name": "Ada"}
    assert body["token"].startswith("mcs1.")
    expires = time.mktime(time.strptime(body["expires_at"][:19], "%Y-%m-%dT%H:%M:%S"))
    # Within the default hour, and never past the SSO token's exp (600 s) plus an hour.
    assert expires - time.mktime(time.gmtime()) <= 3600 + 5


def test_a_forged_signature_is_refused(newsroom: Newsroom) -> None:
    token = sign(claims(), newsroom.rsa, "RS256")
    assert refusal(newsroom.exchange("rs-site", tampered(token))) == "token_signature_invalid"
    forged = sign(claims(), rsa_key(), "RS256")  # a key the newsroom never had
    assert refusal(newsroom.exchange("rs-site", forged)) == "token_signature_invalid"
    guessed = sign(claims(), "not-the-newsroom-secret-0123456789abcdef", "HS256")
    assert refusal(newsroom.exchange("hs-site", guessed)) == "token_signature_invalid"


def test_an_expired_token_is_refused(newsroom: Newsroom) -> None:
    old = claims(lifetime=-120)  # expired two minutes ago: past the 30 s leeway
    assert refusal(newsroom.exchange("rs-site", sign(old, newsroom.rsa, "RS256"))) == (
        "token_expired"
    )
    assert refusal(newsroom.exchange("hs-site", sign(old, HS_SECRET, "HS256"))) == "token_expired"


def test_a_token_not_valid_yet_is_refused(newsroom: Newsroom) -> None:
    later = int(time.time()) + 600
    for early in (claims(nbf=later), claims(iat=later, lifetime=1200)):
        answer = newsroom.exchange("rs-site", sign(early, newsroom.rsa, "RS256"))
        assert refusal(answer) == "token_not_yet_valid"


def test_a_token_for_another_site_is_refused(newsroom: Newsroom) -> None:
    for_a = sign(claims(aud="twin-a"), newsroom.other_rsa, "RS256")
    assert refusal(newsroom.exchange("twin-b", for_a)) == "token_wrong_site"
    assert newsroom.exchange("twin-a", for_a).status_code == 201
    # Signed with another site's key: that key never verifies here.
    assert refusal(newsroom.exchange("rs-site", sign(claims(), newsroom.other_rsa, "RS256"))) == (
        "token_signature_invalid"
    )
    # A session of one site is no session on another.
    session = newsroom.session("hs-site", sign(claims(), HS_SECRET, "HS256"))
    answer = newsroom.post("rs-site", "wrong-site", session)
    assert refusal(answer) == "session_wrong_site"


def test_unsigned_tokens_are_refused(newsroom: Newsroom) -> None:
    for site in ("rs-site", "hs-site", "es-site", "both-site"):
        assert refusal(newsroom.exchange(site, unsigned(claims()))) == (
            "token_algorithm_not_allowed"
        )


def test_hs256_keyed_with_the_public_key_is_refused(newsroom: Newsroom) -> None:
    """The key-confusion attack: the public key is public, so HMAC with it proves nothing."""
    pem = public_pem(newsroom.rsa).encode()
    confused = hmac_signed_with(claims(), pem)
    assert refusal(newsroom.exchange("rs-site", confused)) == "token_algorithm_not_allowed"
    # Where HS256 is allowed too, it is checked with the site's secret, never its public key.
    assert refusal(newsroom.exchange("both-site", confused)) == "token_signature_invalid"
    assert newsroom.exchange("both-site", sign(claims(), HS_SECRET, "HS256")).status_code == 201


def test_an_sso_token_is_exchanged_once(newsroom: Newsroom) -> None:
    token = sign(claims(), newsroom.ec, "ES256", kid="ec-1")
    assert newsroom.exchange("es-site", token).status_code == 201
    assert refusal(newsroom.exchange("es-site", token)) == "token_replayed"
    # The jti is the token's identity: a fresh token with the same jti is a replay too.
    again = claims(jti=json.loads(_payload(token))["jti"])
    assert refusal(newsroom.exchange("es-site", sign(again, newsroom.ec, "ES256"))) == (
        "token_replayed"
    )


def test_tokens_missing_what_the_service_needs_are_refused(newsroom: Newsroom) -> None:
    cases = {
        "token_claim_missing": [
            claims(jti=None),
            claims(exp=None),
            {**claims(), "user": {"email": "a@example.org", "username": "A"}},
            {**claims(), "user": {"id": "reader-9"}},
            claims(username="\u200b\u200b"),
            {**claims(), "user": "reader-9"},
        ],
        "token_claims_invalid": [
            claims(user_id="anon:reader-1"),
            claims(user_id="reader\u0000nul"),
            claims(username="Ada\ud800"),
            claims(lifetime=400 * 86400),
        ],
    }
    for reason, bodies in cases.items():
        for body in bodies:
            answer = newsroom.exchange("hs-site", sign(body, HS_SECRET, "HS256"))
            assert refusal(answer) == reason, body
    assert refusal(newsroom.exchange("hs-site", "not-a-jwt")) == "token_malformed"
    assert refusal(newsroom.exchange("hs-site", None)) == "token_missing"
    plain = newsroom.exchange("plain-site", sign(claims(), HS_SECRET, "HS256"))
    assert plain.status_code == 422 and "takes no commenter tokens" in plain.json()["message"]


def test_a_jwks_key_is_chosen_by_kid(newsroom: Newsroom) -> None:
    assert newsroom.exchange("es-site", sign(claims(), newsroom.ec, "ES256")).status_code == 201
    unknown = sign(claims(), newsroom.ec, "ES256", kid="retired")
    assert refusal(newsroom.exchange("es-site", unknown)) == "token_signature_invalid"


# ---- writes: the session says who writes ----


def test_a_session_posts_many_comments_as_its_reader_whatever_the_body_says(
    newsroom: Newsroom,
) -> None:
    session = newsroom.session("rs-site", sign(claims("reader-7", "Grace"), newsroom.rsa, "RS256"))
    ids = []
    for number, claimed in enumerate([None, {"id": "someone-else", "name": "Mallory"}]):
        answer = newsroom.post(
            "rs-site", "many", session, author=claimed, body=f"{CLEAN} Part {number}."
        )
        assert answer.status_code == 202, answer.text
        ids.append(answer.json()["id"])
    for comment_id in ids:
        assert newsroom.detail(comment_id)["author"] == {
            "id": "reader-7",
            "name": "Grace",
            "verified": True,
        }


def test_session_tokens_that_are_not_ours_or_old_are_refused(newsroom: Newsroom) -> None:
    box = SecretBox([WEBHOOK_KEY])  # the operator's key: a session as the service seals one
    past = json.dumps({"s": "rs-site", "u": "reader-1", "n": "Ada", "e": int(time.time()) - 1})
    assert refusal(newsroom.post("rs-site", "old", "mcs1." + box.seal(past))) == "session_expired"
    stranger = SecretBox(["syqZlYcsKMrV_QFwulyjN6dkrwHUhqyjcG7bb-UKcac="])
    now = json.dumps({"s": "rs-site", "u": "reader-1", "n": "Ada", "e": int(time.time()) + 600})
    forged = "mcs1." + stranger.seal(now)
    assert refusal(newsroom.post("rs-site", "forged", forged)) == "session_invalid"
    sso = sign(claims(), newsroom.rsa, "RS256")
    answer = newsroom.post("rs-site", "sso-on-write", sso)
    assert refusal(answer) == "session_invalid"
    assert "exchange it" in answer.json()["message"]


def test_ban_evasion_by_a_fresh_id_is_refused_where_tokens_are_required(
    newsroom: Newsroom,
) -> None:
    banned = requests.post(
        f"{newsroom.base}/v1/sites/rs-site/authors/troll-1/ban",
        json={"reason": "abuse"},
        headers=bearer(MODERATOR_TOKEN),
        timeout=10,
    )
    assert banned.status_code == 200, banned.text
    # A new id in the body, no token: the site takes no anonymous comments.
    fresh = newsroom.post("rs-site", "evasion", author={"id": f"fresh-{uuid.uuid4()}", "name": "T"})
    assert refusal(fresh) == "token_required"
    # The troll's own session, with another id in the body: the comment is still the troll's.
    session = newsroom.session("rs-site", sign(claims("troll-1", "Troll"), newsroom.rsa, "RS256"))
    answer = newsroom.post("rs-site", "evasion", session, author={"id": "fresh-2", "name": "T"})
    assert answer.status_code == 202
    decided = wait_for_status(newsroom.base, answer.json()["id"])
    assert (decided["status"], decided["reason_code"]) == ("rejected", "author_banned")


def test_anonymous_comments_wait_for_a_person_where_the_site_premoderates(
    newsroom: Newsroom,
) -> None:
    anonymous = newsroom.post("es-site", "premod", author={"id": "reader-1", "name": "Anon"})
    assert anonymous.status_code == 202
    decided = wait_for_status(newsroom.base, anonymous.json()["id"])
    assert (decided["status"], decided["reason_code"]) == ("held", "premoderation")
    detail = newsroom.detail(anonymous.json()["id"])
    # Its own namespace: nobody can write as verified reader-1 by sending that id.
    assert detail["author"] == {"id": "anon:reader-1", "name": "Anon", "verified": False}
    assert "anonymous_premoderated" in {reason["id"] for reason in detail["reasons"]}

    session = newsroom.session("es-site", sign(claims("reader-1"), newsroom.ec, "ES256"))
    verified = newsroom.post("es-site", "premod", session)
    wait_for_status(newsroom.base, verified.json()["id"])
    reasons = {reason["id"] for reason in newsroom.detail(verified.json()["id"])["reasons"]}
    assert "anonymous_premoderated" not in reasons


def test_sites_without_tokens_keep_ids_as_sent(newsroom: Newsroom) -> None:
    answer = newsroom.post("plain-site", "as-before", author={"id": "reader-1", "name": "Old"})
    assert answer.status_code == 202
    author = newsroom.detail(answer.json()["id"])["author"]
    assert author == {"id": "reader-1", "name": "Old", "verified": False}
    refused = newsroom.post("hs-site", "long", author={"id": "r" * 200, "name": "Long"})
    assert refused.status_code == 422 and "author.id" in refused.json()["message"]


def test_a_report_with_a_session_is_the_verified_readers(
    newsroom: Newsroom, database_url: str
) -> None:
    session = newsroom.session("hs-site", sign(claims("writer-1"), HS_SECRET, "HS256"))
    posted = newsroom.post("hs-site", "reported", session)
    comment_id = posted.json()["id"]
    assert wait_for_status(newsroom.base, comment_id)["status"] == "approved"
    reader = newsroom.session("hs-site", sign(claims("reader-3", "Rita"), HS_SECRET, "HS256"))
    url = f"{newsroom.base}/v1/comments/{comment_id}/reports"
    verified = requests.post(
        url,
        json={"reason": "spam", "reader_id": "pretend"},
        headers={"Authorization": f"Bearer {reader}"},
        timeout=10,
    )
    assert verified.status_code == 201, verified.text
    anonymous = requests.post(url, json={"reason": "spam", "reader_id": "reader-3"}, timeout=10)
    assert anonymous.status_code == 201, anonymous.text
    reports = newsroom.detail(comment_id)["reports"]
    assert [(r["reader_id"], r["verified"]) for r in reports if r["verified"]] == [
        ("reader-3", True)
    ]
    # Without a session the reader is the address, whatever reader_id it claims.
    [anonymous_id] = [r["reader_id"] for r in reports if not r["verified"]]
    assert anonymous_id.startswith("anon:") and "reader-3" not in anonymous_id
    other_site = newsroom.session("twin-a", sign(claims(), newsroom.other_rsa, "RS256"))
    answer = requests.post(
        url,
        json={"reason": "spam"},
        headers={"Authorization": f"Bearer {other_site}"},
        timeout=10,
    )
    assert refusal(answer) == "session_wrong_site"


def test_preflights_allow_the_authorization_header(newsroom: Newsroom) -> None:
    answer = requests.options(
        f"{newsroom.base}/v1/sites/rs-site/commenter-sessions",
        headers={
            "Origin": WIDGET_HOST_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == WIDGET_HOST_ORIGIN
    assert "authorization" in answer.headers["Access-Control-Allow-Headers"]


# ---- the site's settings: checked, and the secret never shown or stored in clear ----


def test_the_secret_is_never_shown_nor_stored_in_clear(
    newsroom: Newsroom, database_url: str
) -> None:
    shown = [
        newsroom.admin("GET", "/v1/sites/hs-site").text,
        newsroom.admin("GET", "/v1/sites").text,
        newsroom.admin("PATCH", "/v1/sites/hs-site", {"commenters": {"issuer": None}}).text,
    ]
    assert all(HS_SECRET not in page for page in shown)
    assert json.loads(shown[0])["commenters"]["secret"] == "(set)"
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM sites")).all()
    engine.dispose()
    dump = repr(rows)
    assert HS_SECRET not in dump
    stored = {row.id: row.commenters for row in rows}
    assert stored["hs-site"]["secret"].startswith("gAAAAA")  # a Fernet token
    # Changing another setting keeps the secret: tokens still verify.
    assert newsroom.exchange("hs-site", sign(claims(), HS_SECRET, "HS256")).status_code == 201


@pytest.mark.parametrize(
    ("commenters", "field"),
    [
        ({"algorithms": ["HS257"], "secret": HS_SECRET}, "commenters.algorithms"),
        ({"algorithms": ["none"]}, "commenters.algorithms"),
        ({"algorithms": ["HS256"]}, "commenters.secret"),
        ({"algorithms": ["HS256"], "secret": "short"}, "commenters.secret"),
        (
            {"algorithms": ["RS256"], "public_key": "-----BEGIN PUBLIC KEY-----\nxx\n"},
            "commenters.public_key",
        ),
        ({"algorithms": ["RS256"]}, "commenters.public_key"),
        ({"algorithms": ["RS256"], "jwks_file": "/nonexistent/jwks.json"}, "commenters.jwks_file"),
        ({"algorithms": ["RS256"], "jwks_file": "relative.json"}, "commenters.jwks_file"),
        ({"algorithms": ["RS256"], "jwks_file": "/dev/zero"}, "commenters.jwks_file"),
        ({"algorithms": ["RS256"], "jwks_file": "/etc/hostname"}, "commenters.jwks_file"),
        ({"algorithms": "HS256", "secret": HS_SECRET}, "commenters.algorithms"),
        ({"algorithms": ["HS256"], "secret": 42}, "commenters.secret"),
        ({"algorithms": ["RS256"], "public_key": ["pem"]}, "commenters.public_key"),
        (
            {"algorithms": ["HS256"], "secret": HS_SECRET, "session_seconds": 5},
            "commenters.session_seconds",
        ),
        ({"algorithms": ["HS256"], "secret": HS_SECRET, "colour": "red"}, "commenters.colour"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    newsroom: Newsroom, commenters: dict[str, Any], field: str
) -> None:
    answer = newsroom.admin("PATCH", "/v1/sites/plain-site", {"commenters": commenters})
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["message"]


def test_keys_of_the_wrong_kind_are_refused(newsroom: Newsroom) -> None:
    ec_for_rs = {"algorithms": ["RS256"], "public_key": public_pem(newsroom.ec)}
    answer = newsroom.admin("PATCH", "/v1/sites/plain-site", {"commenters": ec_for_rs})
    assert answer.status_code == 422 and "RSA" in answer.json()["message"]
    leaked = {"algorithms": ["RS256"], "public_key": private_pem(newsroom.rsa)}
    answer = newsroom.admin("PATCH", "/v1/sites/plain-site", {"commenters": leaked})
    assert answer.status_code == 422 and "private key" in answer.json()["message"]
    assert "PRIVATE" not in newsroom.admin("GET", "/v1/sites/plain-site").text


def _payload(token: str) -> str:
    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()


def test_no_refusal_above_was_an_unhandled_error(live_service: Any, newsroom: Newsroom) -> None:
    """Every hostile request of this module was a 4xx naming its problem, never a 500."""
    log = live_service.log_tail("web", lines=100_000)
    assert "unhandled error" not in log and "Traceback" not in log
