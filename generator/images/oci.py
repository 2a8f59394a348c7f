"""A small client of the OCI distribution API: what reading, checking and copying images needs.

No Docker daemon: manifests and blobs are moved with plain HTTP requests. Blobs are streamed
(never held in memory) and their digests checked on the way through.

Transport security: HTTPS with certificate checks for every registry, except a registry on a
loopback address (127.0.0.0/8, ::1, localhost), which is spoken to in plain HTTP, as Docker
does by default for its `insecure-registries`. Credentials are only ever sent to the host they
belong to: a redirect to another host (a CDN, S3) is followed without them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3

from generator.core.errors import RegistryError
from generator.images.refs import DOCKER_HUB, Reference, parse_reference

__all__ = ["DOCKER_HUB", "Credentials", "Manifest", "Reference", "Registry", "parse_reference"]

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
MANIFEST_TYPES = (*INDEX_TYPES, OCI_MANIFEST, DOCKER_MANIFEST)
MAX_MANIFEST_BYTES = 4 << 20  # the distribution registry's own limit
CHUNK = 1 << 20
DOCKER_HUB_API = "registry-1.docker.io"
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')

Progress = Callable[[str, int, int], None]  # (blob digest, bytes done, bytes total)


def is_loopback(host: str) -> bool:
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


DOCKER_HUB_AUTH_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io", DOCKER_HUB_API)


def docker_login(host: str, environ: Mapping[str, str] | None = None) -> Credentials | None:
    """The login `docker login` stored for a registry (the `auths` of $DOCKER_CONFIG/config.json,
    default ~/.docker/config.json), as the seed's `docker pull` would have used it. Credential
    helpers (credsStore, credHelpers) are not run."""
    environ = os.environ if environ is None else environ
    directory = environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    path = os.path.join(directory, "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise RegistryError(f"{path}: cannot read the Docker login file ({e.__class__.__name__})") from None
    auths = config.get("auths") if isinstance(config, dict) else None
    if not isinstance(auths, dict):
        return None
    keys = DOCKER_HUB_AUTH_KEYS if host in (DOCKER_HUB, DOCKER_HUB_API) else (host, f"https://{host}",
                                                                               f"http://{host}")
    for key in keys:
        entry = auths.get(key) or auths.get(key.rstrip("/"))
        if not isinstance(entry, dict):
            continue
        if entry.get("auth"):
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise RegistryError(f"{path}: auths.{key}.auth is not base64 user:password") from None
            return Credentials(user, password)
        if entry.get("username") and entry.get("password"):
            return Credentials(str(entry["username"]), str(entry["password"]))
    return None


@dataclass(frozen=True)
class Manifest:
    data: bytes
    media_type: str
    digest: str

    def json(self) -> dict[str, Any]:
        try:
            parsed = json.loads(self.data)
        except ValueError as e:
            raise RegistryError(f"manifest {self.digest}: not JSON ({e})") from e
        if not isinstance(parsed, dict):
            raise RegistryError(f"manifest {self.digest}: not a JSON object")
        return parsed

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


_POOL: urllib3.PoolManager | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> urllib3.PoolManager:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = urllib3.PoolManager(
                num_pools=8, maxsize=8, retries=False,
                timeout=urllib3.Timeout(connect=10.0, read=120.0),
            )
        return _POOL


class Registry:
    """One registry host, with its credentials (None: anonymous) and the tokens it hands out."""

    def __init__(self, host: str, credentials: Credentials | None = None) -> None:
        self.host = DOCKER_HUB_API if host == DOCKER_HUB else host
        self.credentials = credentials
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
    ) -> Reply:
        """A request whose answer is small (everything but a blob), read whole, within a bound."""
        response = self._open(method, url, scope, headers, body)
        try:
            data = response.read(MAX_MANIFEST_BYTES + 1)
        except urllib3.exceptions.HTTPError as e:
            _discard(response)
            raise RegistryError(f"{self.host}: {method} {_path(url)}: {_reason(e)}") from e
        if len(data) <= MAX_MANIFEST_BYTES:
            response.release_conn()  # read to the end: the connection can serve the next request
        else:
            _discard(response)
            raise RegistryError(f"{self.host}: {method} {_path(url)}: answer larger than {MAX_MANIFEST_BYTES} bytes")
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
            sent = dict(headers or {})
            auth = self._auth.get(scope) or self._auth.get("*")
            if auth and urlsplit(url).netloc == self.host:
                sent["Authorization"] = auth
            try:
                response = _pool().request(method, url, headers=sent, body=body, preload_content=False,
                                           redirect=False)
            except urllib3.exceptions.HTTPError as e:
                raise RegistryError(f"{self.host}: {method} {_path(url)}: {_reason(e)}") from e
            if response.status == 401 and attempt == 1 and replayable:
                challenge = response.headers.get("WWW-Authenticate", "")
                _discard(response)
                self._answer(challenge, scope)
                continue
            if response.status in (301, 302, 303, 307, 308) and redirects > 0:
                location = urljoin(url, response.headers.get("Location", ""))
                _discard(response)
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
        try:
            response = _pool().request(method, url, headers=headers, preload_content=False, redirect=False)
        except urllib3.exceptions.HTTPError as e:
            raise RegistryError(f"{self.host}: redirect to {urlsplit(url).netloc}: {_reason(e)}") from e
        if response.status in (301, 302, 303, 307, 308) and redirects > 0:
            location = urljoin(url, response.headers.get("Location", ""))
            _discard(response)
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
        try:
            response = _pool().request("GET", f"{realm}?{urlencode(query)}", headers=headers, redirect=False,
                                       preload_content=False)
            data = response.read(MAX_MANIFEST_BYTES)
            _discard(response)
        except urllib3.exceptions.HTTPError as e:
            raise RegistryError(f"{self.host}: token service: {_reason(e)}") from e
        if response.status != 200:
            raise RegistryError(f"{self.host}: token service refused the login (HTTP {response.status})")
        try:
            token = json.loads(data)
            value = token.get("token") or token["access_token"]
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise RegistryError(f"{self.host}: token service answered without a token") from e
        with self._lock:
            self._auth[scope] = f"Bearer {value}"

    def _check(self, response: Reply, what: str, *ok: int) -> None:
        if response.status in ok:
            return
        detail = ""
        try:
            errors = json.loads(response.data or b"{}").get("errors") or []
            detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors[:3])
        except (ValueError, AttributeError):
            pass
        if response.status == 401:
            detail = detail or "login refused"
        if response.status == 403:
            detail = detail or "access denied"
        raise RegistryError(f"{self.host}: {what}: HTTP {response.status}" + (f" ({detail})" if detail else ""))

    # --- manifests ------------------------------------------------------------------------

    def head_manifest(self, repository: str, ref: str) -> str | None:
        """The digest a tag or digest points to, or None when there is none."""
        response = self._request("HEAD", f"/v2/{repository}/manifests/{ref}", _pull(repository),
                                 {"Accept": ", ".join(MANIFEST_TYPES)})
        if response.status == 404:
            return None
        self._check(response, f"HEAD {repository}:{ref}", 200)
        digest = response.headers.get("Docker-Content-Digest")
        if digest:
            return digest
        return self.get_manifest(repository, ref).digest  # some registries omit the header on HEAD

    def get_manifest(self, repository: str, ref: str) -> Manifest:
        response = self._request("GET", f"/v2/{repository}/manifests/{ref}", _pull(repository),
                                 {"Accept": ", ".join(MANIFEST_TYPES)})
        if response.status == 404:
            raise RegistryError(f"{self.host}: {repository}:{ref}: no such image (manifest unknown)")
        self._check(response, f"GET manifest {repository}:{ref}", 200)
        data = response.data
        if len(data) > MAX_MANIFEST_BYTES:
            raise RegistryError(f"{self.host}: {repository}:{ref}: manifest larger than {MAX_MANIFEST_BYTES} bytes")
        digest = digest_of(data)
        if ref.startswith("sha256:") and digest != ref:
            raise RegistryError(f"{self.host}: {repository}@{ref}: manifest content has digest {digest}")
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if media_type not in MANIFEST_TYPES:
            try:
                media_type = str(json.loads(data).get("mediaType", ""))
            except (ValueError, AttributeError):
                media_type = ""
        if media_type not in MANIFEST_TYPES:
            raise RegistryError(f"{self.host}: {repository}:{ref}: unsupported manifest type {media_type!r}")
        return Manifest(data, media_type, digest)

    def put_manifest(self, repository: str, ref: str, manifest: Manifest) -> None:
        response = self._request("PUT", f"/v2/{repository}/manifests/{ref}", _push(repository),
                                 {"Content-Type": manifest.media_type}, manifest.data)
        self._check(response, f"PUT manifest {repository}:{ref}", 200, 201)
        got = response.headers.get("Docker-Content-Digest")
        if got and got != manifest.digest:
            raise RegistryError(f"{self.host}: {repository}:{ref}: registry stored digest {got}, "
                                f"expected {manifest.digest}")

    # --- blobs ----------------------------------------------------------------------------

    def has_blob(self, repository: str, digest: str) -> bool:
        response = self._request("HEAD", f"/v2/{repository}/blobs/{digest}", _pull(repository))
        if response.status == 404:
            return False
        self._check(response, f"HEAD blob {digest[:19]}", 200)
        return True

    def open_blob(self, repository: str, digest: str) -> urllib3.BaseHTTPResponse:
        response = self._open("GET", f"/v2/{repository}/blobs/{digest}", _pull(repository))
        if response.status != 200:
            data = response.read(MAX_MANIFEST_BYTES)
            _discard(response)
            self._check(Reply(response.status, response.headers, data), f"GET blob {repository}@{digest[:19]}", 200)
        return response

    def mount_blob(self, repository: str, digest: str, source_repository: str) -> str | None:
        """Ask the registry to link a blob it holds in another repository. None when mounted,
        otherwise the upload URL the registry offers instead."""
        query = urlencode({"mount": digest, "from": source_repository})
        scope = f"{_push(repository)} {_pull(source_repository)}"
        response = self._request("POST", f"/v2/{repository}/blobs/uploads/?{query}", scope, {"Content-Length": "0"},
                                 b"")
        self._check(response, f"mount {digest[:19]} from {source_repository}", 201, 202)
        if response.status == 201:
            return None
        return self._location(response)

    def start_upload(self, repository: str) -> str:
        response = self._request("POST", f"/v2/{repository}/blobs/uploads/", _push(repository),
                                 {"Content-Length": "0"}, b"")
        self._check(response, f"start upload to {repository}", 202)
        return self._location(response)

    def upload_blob(self, repository: str, location: str, digest: str, size: int, chunks: Iterator[bytes]) -> None:
        """Send one blob in a single streamed PATCH, then commit it under its digest."""
        response = self._request("PATCH", location, _push(repository),
                                 {"Content-Type": "application/octet-stream", "Content-Length": str(size)},
                                 chunks)
        self._check(response, f"upload {digest[:19]}", 202, 204)
        location = self._location(response)
        joiner = "&" if "?" in location else "?"
        response = self._request("PUT", f"{location}{joiner}{urlencode({'digest': digest})}", _push(repository),
                                 {"Content-Length": "0"}, b"")
        self._check(response, f"commit {digest[:19]}", 201)

    def cancel_upload(self, repository: str, location: str) -> None:
        with contextlib.suppress(RegistryError):  # an abandoned upload expires on its own anyway
            self._request("DELETE", location, _push(repository))

    def _location(self, response: Reply) -> str:
        location = response.headers.get("Location")
        if not location:
            raise RegistryError(f"{self.host}: upload answer without a Location header")
        return location

    def ping(self) -> None:
        """Check that the registry answers and accepts our login."""
        response = self._request("GET", "/v2/", "*")
        self._check(response, "GET /v2/", 200)


@dataclass(frozen=True)
class Reply:
    """A registry's answer to anything but a blob download, read whole."""

    status: int
    headers: Mapping[str, str]  # urllib3's case-insensitive HTTPHeaderDict
    data: bytes


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    """Done with an answer: keep the connection when its rest is small, else close it (a
    hostile server must not make us read an endless body)."""
    length = response.headers.get("Content-Length")
    if length is not None and length.isdigit() and int(length) <= 1 << 16:
        response.drain_conn()
        response.release_conn()
    else:
        response.close()
        response.release_conn()


def _pull(repository: str) -> str:
    return f"repository:{repository}:pull"


def _push(repository: str) -> str:
    return f"repository:{repository}:pull,push"


def _path(url: str) -> str:
    return urlsplit(url).path


def _reason(e: Exception) -> str:
    reason = getattr(e, "reason", None)
    return str(reason or e).split(": ", 1)[-1][:200]
