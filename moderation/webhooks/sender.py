"""One HTTP delivery attempt: signed POST, bounded in time and size, never redirected.

The connection itself re-checks the address it dials (see `_SafeConnectionMixin`), so the
safety rules hold even if the host's DNS answer changed since the endpoint was saved, and no
proxy from the environment is used.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from moderation.webhooks.safety import UnsafeURLError, check_addresses, check_url_shape

USER_AGENT = "moderation-webhooks/1"
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class AttemptResult:
    """What happened to one attempt: the answer's status and start of its body, or an error."""

    ok: bool
    status_code: int | None
    latency_ms: int
    error: str | None
    response_body: str | None


class _SafeConnectionMixin:
    allow_private = False
    host: str
    port: int
    _dns_host: str

    def _new_conn(self) -> Any:
        # Resolve and check here, then dial a checked address: a rebinding DNS answer between
        # the check and the connect cannot point us somewhere else. The host name is put back
        # at once: TLS (SNI, certificate check) and the Host header must use the name.
        name = self._dns_host
        addresses = check_addresses(name, self.port, self.allow_private)
        for index, address in enumerate(addresses):
            self._dns_host = address
            try:
                return super()._new_conn()  # type: ignore[misc]
            except NewConnectionError:
                if index == len(addresses) - 1:
                    raise
            finally:
                self._dns_host = name
        raise UnsafeURLError(f"host {name!r} has no address")  # unreachable: resolve() raises


@functools.cache
def _pool_classes(allow_private: bool) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 pool classes whose connections check the address they dial."""
    mixin = type("Checked", (_SafeConnectionMixin,), {"allow_private": allow_private})
    http_conn = type("CheckedHTTPConnection", (mixin, HTTPConnection), {})
    https_conn = type("CheckedHTTPSConnection", (mixin, HTTPSConnection), {})
    http_pool = type("CheckedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn})
    https_pool = type("CheckedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})
    return {"http": http_pool, "https": https_pool}


class Sender:
    """Sends attempts over one keep-alive HTTP session; a delivery job keeps one per endpoint,
    so back-to-back deliveries to a healthy receiver reuse the connection (and its TLS)."""

    def __init__(self, *, timeout: float, max_response_bytes: int, allow_private: bool) -> None:
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or .netrc credentials from the environment
        adapter = HTTPAdapter(max_retries=0)
        adapter.poolmanager.pool_classes_by_scheme = _pool_classes(allow_private)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *_: object) -> None:
        self.session.close()

    def _read_start(self, response: requests.Response) -> str:
        """The first bytes of the answer. The status line already decided the attempt: a
        receiver that said 2xx has the event, even if its body then stalls or breaks."""
        try:
            raw = response.raw.read(self.max_response_bytes, decode_content=True) or b""
        except (urllib3.exceptions.HTTPError, OSError) as error:
            return f"[answer body unreadable: {error}]"[:500]
        return raw.decode("utf-8", errors="replace")

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> AttemptResult:
        """POST `body` to `url` once. Any 2xx is success; anything else, or no answer, is not."""
        started = time.perf_counter()

        def result(status: int | None, error: str | None, text: str | None) -> AttemptResult:
            latency = int((time.perf_counter() - started) * 1000)
            ok = status is not None and 200 <= status < 300
            return AttemptResult(ok, status, latency, error, text)

        try:
            check_url_shape(url)
            response = self.session.post(
                url,
                data=body,
                headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
            with response:
                text = self._read_start(response)
        except UnsafeURLError as error:
            return result(None, f"refused: {error}", None)
        except requests.Timeout as error:
            return result(None, f"timeout after {self.timeout}s: {_reason(error)}", None)
        except requests.RequestException as error:
            return result(None, f"{type(error).__name__}: {_reason(error)}", None)
        except Exception as error:  # whatever a receiver does, it is a failed attempt, not a crash
            log.warning("webhook POST to %s failed unexpectedly", url, exc_info=True)
            return result(None, f"{type(error).__name__}: {error}"[:500], None)
        problem = None
        if 300 <= response.status_code < 400:
            problem = f"redirect to {response.headers.get('Location', '?')} not followed"
        elif not 200 <= response.status_code < 300:
            problem = f"HTTP {response.status_code}"
        return result(response.status_code, problem, text)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    max_response_bytes: int,
    allow_private: bool,
) -> AttemptResult:
    """One attempt on a fresh connection."""
    sender = Sender(
        timeout=timeout, max_response_bytes=max_response_bytes, allow_private=allow_private
    )
    with sender:
        return sender.post(url, body, headers)


def _reason(error: Exception) -> str:
    """The innermost useful message of a requests/urllib3 error chain."""
    cause: BaseException | None = error
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    if isinstance(cause, UnsafeURLError):
        return f"refused: {cause}"
    return str(cause or error)[:500]
