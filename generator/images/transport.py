"""HTTP to one registry: requests within a size bound, the 401 challenge answered (basic or
bearer token), redirects followed.

Transport security: HTTPS with certificate checks for every registry, except a registry on a
loopback address (127.0.0.0/8, ::1, localhost), which is spoken to in plain HTTP, as Docker
does by default for its `insecure-registries`. Credentials are only ever sent to the host they
belong to: a redirect to another host (a CDN, S3) is followed without them.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3

from generator.core.errors import RegistryError
from generator.images import deadline
from generator.images.answers import Reply, _path, _reason, discard, is_loopback
from generator.images.credentials import Credentials
from generator.images.refs import DOCKER_HUB, DOCKER_HUB_API

__all__ = ["MAX_REPLY_BYTES", "Reply", "Transport", "Unreachable", "discard", "is_loopback"]

MAX_REPLY_BYTES = 4 << 20  # the distribution registry's own limit for a manifest
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
# What a failed request raises below us: urllib3's errors, and a socket the deadline shut.
_FAILED = (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


class Unreachable(RegistryError):
    """No answer: refused, timed out, no such host, cut off mid-way (as opposed to an answer
    that says no). `build` carries on without the subchart on this one."""


class Transport:
    """One registry host, with its credentials (None: anonymous) and the tokens it hands out;
    generator/images/oci.py builds the registry API on it."""

    def __init__(self, host: str, credentials: Credentials | None = None,
                 timeout: float = deadline.DEFAULT_TIMEOUT_S, deadline: float | None = None) -> None:
        self.host = DOCKER_HUB_API if host == DOCKER_HUB else host
        self.credentials = credentials
        # Each operation's deadline (generator/images/deadline.py), and one for all of them
        # (time.monotonic(): chartfetch's 15 s, say).
        self.timeout, self.deadline = timeout, deadline
        self.base = ("http" if is_loopback(self.host) else "https") + f"://{self.host}"
        self._auth: dict[str, str] = {}  # scope -> Authorization header value
        self._lock = threading.Lock()

    # --- requests -------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        scope: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        seconds: float | None = None,
    ) -> Reply:
        """A request whose answer is small (everything but a blob), read whole, within a bound
        and within the operation's deadline (longer for a body of `seconds`' worth of upload)."""
        with self.operation(method, url, seconds):
            response = self._open(method, url, scope, headers, body)
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > MAX_REPLY_BYTES:
                discard(response)
                raise RegistryError(f"{self.host}: {method} {_path(url)}: answer of {length} bytes, more than "
                                    f"{MAX_REPLY_BYTES}")
            try:
                data = response.read(MAX_REPLY_BYTES + 1)
                self._in_time(method, url)  # a socket shut at the deadline reads as a short answer
            except _FAILED as e:
                discard(response)
                raise self._failure(method, url, e) from None
        if len(data) <= MAX_REPLY_BYTES:
            response.release_conn()  # read to the end: the connection can serve the next request
        else:
            discard(response)
            raise RegistryError(f"{self.host}: {method} {_path(url)}: answer larger than {MAX_REPLY_BYTES} bytes")
        return Reply(response.status, response.headers, data)

    def _open(
        self,
        method: str,
        url: str,
        scope: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        redirects: int = 5,
    ) -> urllib3.BaseHTTPResponse:
        """One request, authenticated for `scope`, its body unread; a 401 is answered once, a
        redirect followed (without our credentials when it leaves this host)."""
        url = urljoin(self.base + "/", url)
        replayable = body is None or isinstance(body, bytes)
        for attempt in (1, 2):
            sent = {"Accept-Encoding": "identity", **(headers or {})}  # no gzip bomb to inflate
            auth = self._auth.get(scope) or self._auth.get("*")
            if auth and urlsplit(url).netloc == self.host:
                sent["Authorization"] = auth
            with self.operation(method, url) as d:
                try:
                    response = deadline.pool().request(method, url, headers=sent, body=body, preload_content=False,
                                               redirect=False, timeout=d.timeout(), decode_content=False)
                except _FAILED as e:
                    raise self._failure(method, url, e) from None
            if response.status == 401 and attempt == 1 and replayable:
                challenge = response.headers.get("WWW-Authenticate", "")
                discard(response)
                self._answer(challenge, scope)
                continue
            if response.status in (301, 302, 303, 307, 308) and redirects > 0:
                location = urljoin(url, response.headers.get("Location", ""))
                discard(response)
                method = method if response.status in (307, 308) else "GET"
                if urlsplit(location).netloc == self.host:
                    return self._open(method, location, scope, headers, body, redirects - 1)
                return self._elsewhere(method, location, headers or {}, redirects - 1)
            return response
        raise AssertionError("unreachable")

    def _elsewhere(self, method: str, url: str, headers: dict[str, str], redirects: int) -> urllib3.BaseHTTPResponse:
        """Follow a redirect to another host (a CDN, S3): our credentials stay here, and the
        loopback-only rule for plain HTTP holds there too."""
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(parts.netloc)):
            raise RegistryError(f"{self.host}: refusing a redirect to {parts.scheme}://{parts.netloc} (not https)")
        with self.operation(method, url) as d:
            try:
                response = deadline.pool().request(method, url, headers=headers, preload_content=False, redirect=False,
                                           timeout=d.timeout(), decode_content=False)
            except _FAILED as e:
                raise self._failure(method, url, e, f"redirect to {urlsplit(url).netloc}") from None
        if response.status in (301, 302, 303, 307, 308) and redirects > 0:
            location = urljoin(url, response.headers.get("Location", ""))
            discard(response)
            return self._elsewhere(method, location, headers, redirects - 1)
        return response

    def _answer(self, challenge: str, scope: str) -> None:
        """Turn a 401 challenge into an Authorization header for the scope."""
        kind = challenge.split(" ", 1)[0].lower()
        if kind == "basic":
            if self.credentials is None:
                raise RegistryError(f"{self.host}: the registry asks for a login and none is configured")
            with self._lock:
                self._auth["*"] = self.credentials.basic()
            return
        if kind != "bearer":
            raise RegistryError(f"{self.host}: unsupported authentication challenge {challenge[:60]!r}")
        params = dict(_CHALLENGE.findall(challenge))
        realm = params.get("realm", "")
        if not realm.startswith("https://") and not (realm.startswith("http://") and
                                                    is_loopback(urlsplit(realm).netloc)):
            raise RegistryError(f"{self.host}: token service {realm!r} is not an https URL")
        # Ask for the scopes this request needs (a mount needs two), not only the one challenged.
        scopes = params.get("scope", "").split() if scope == "*" else scope.split()
        query = [("service", params["service"])] if "service" in params else []
        query += [("scope", s) for s in scopes]
        headers = {"Authorization": self.credentials.basic()} if self.credentials else {}
        with self.operation("GET", realm) as d:
            try:
                response = deadline.pool().request("GET", f"{realm}?{urlencode(query)}", headers=headers,
                                                   redirect=False, preload_content=False, timeout=d.timeout(),
                                                   decode_content=False)
                data = response.read(MAX_REPLY_BYTES)
                discard(response)
                self._in_time("GET", realm)
            except _FAILED as e:
                raise self._failure("GET", realm, e, "token service") from None
        if response.status != 200:
            raise RegistryError(f"{self.host}: token service refused the login (HTTP {response.status})")
        try:
            token = json.loads(data)
            value = token.get("token") or token["access_token"]
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise RegistryError(f"{self.host}: token service answered without a token") from e
        with self._lock:
            self._auth[scope] = f"Bearer {value}"

    @contextlib.contextmanager
    def operation(self, method: str, url: str, seconds: float | None = None) -> Iterator[deadline.Deadline]:
        """The deadline of one operation (the outer one when nested); `seconds`: a transfer's own."""
        wanted = self.timeout if seconds is None else seconds
        if self.deadline is not None:
            wanted = min(wanted, self.deadline - time.monotonic())
            if wanted <= 0:
                raise Unreachable(f"{self.host}: no answer in time (timed out)")
        with deadline.operation(wanted, transfer=seconds is not None) as d:
            yield d

    def _in_time(self, method: str, url: str) -> None:
        if (d := deadline.current()) is not None and d.expired:
            raise self._failure(method, url, TimeoutError())

    def _failure(self, method: str, url: str, e: Exception, what: str = "") -> RegistryError:
        d, where = deadline.current(), what or f"{method} {_path(url)}"
        late = d is not None and d.expired
        return Unreachable(f"{self.host}: {where}: " + (f"no complete answer within {d.seconds:.3g} s (timed out)"
                                                        if late and d else _reason(e)))

    def _check(self, response: Reply, what: str, *ok: int) -> None:
        if response.status in ok:
            return
        detail = ""
        try:
            errors = json.loads(response.data or b"{}").get("errors") or []
            detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors[:3])
        except (ValueError, AttributeError, TypeError, RecursionError):
            pass
        if response.status == 401:
            detail = detail or "login refused"
        if response.status == 403:
            detail = detail or "access denied"
        raise RegistryError(f"{self.host}: {what}: HTTP {response.status}" + (f" ({detail})" if detail else ""))

    # --- manifests ------------------------------------------------------------------------
