"""A hostile OCI distribution registry on 127.0.0.1 (http.server), for tests of `mirror`,
`images --verify` and `mirror --pin` (tests/e2e/test_hostile_registry.py).

Standalone (no import from the product). In mode "healthy" it is a small but real registry
(in memory): it serves a one-platform test image under `src/redis:8.2.1` and accepts pushes
(blob uploads, cross-repository mounts, manifests), so it can play ECR as the target of a
mirror. Every other mode turns the answers to manifest requests (of the repositories in
`hostile_repos`, default all) or to every request (the 401 modes) hostile; see MODES.

Every loop is bounded in time and bytes, and the server is stoppable:

    with hostile_registry("drip") as port: ...
    with hostile_registry_server("healthy", prepopulate=()) as server: server.manifest("twofa/dev", "x")

or `python hostile_registry.py MODE [--port N]`.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import io
import json
import re
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from tests.support import net

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

MAX_REQUEST_SECONDS = 60.0
MAX_BYTES_SENT = 64 << 20
MAX_UPLOAD_BYTES = 64 << 20
STREAM_CHUNK = 64 << 10
STREAM_PAUSE_S = 0.01
DRIP_PAUSE_S = 0.2
GZIP_BOMB_BYTES = 256 << 20  # what the bomb inflates to (its wire size is ~250 KB)
NON_LOOPBACK_HTTP = "http://203.0.113.7"  # TEST-NET-3: never routed; a client must refuse before connecting

MODES = {
    "healthy": "a correct registry (the control, and the ECR target of a mirror)",
    "drip": "manifest answers (status line, headers, body) sent one byte every 200 ms",
    "silent": "manifest requests are read and never answered",
    "endless_body": "manifest GET: 200 without Content-Length, a body that never ends (HEAD: no digest header)",
    "endless_chunked": "manifest GET: chunked transfer encoding that never sends its last chunk",
    "huge_content_length": "manifest GET: Content-Length 10^12, 1 KiB of body, then silence",
    "gzip_bomb": f"manifest GET: Content-Encoding gzip, inflating to {GZIP_BOMB_BYTES >> 20} MiB",
    "layer_no_size": "the manifest's layer has no size",
    "layer_size_string": "the manifest's layer size is the string 'big'",
    "layer_size_negative": "the manifest's layer size is -1",
    "layer_digest_traversal": "the manifest's layer digest is sha256:../../../../v2/_catalog",
    "layers_not_list": "the manifest's layers is a string",
    "layers_mapping": "the manifest's layers is a mapping",
    "config_not_mapping": "the manifest's config is a string",
    "manifest_not_json": "the manifest body is not JSON, under a manifest media type",
    "manifest_json_list": "the manifest body is a JSON list",
    "index_manifests_not_list": "an image index whose manifests is a number",
    "index_entry_not_mapping": "an image index whose manifests holds a string",
    "wrong_media_type": "manifest answered as text/html with mediaType application/vnd.evil+json",
    "digest_not_a_digest": "Docker-Content-Digest: sha256:NOT-A-DIGEST on HEAD and GET (body correct)",
    "digest_mismatch": "Docker-Content-Digest is a well-formed sha256 digest of other bytes (body correct)",
    "redirect_plain_http": f"manifest requests redirected (307) to {NON_LOOPBACK_HTTP} (plain HTTP, not loopback)",
    "redirect_loop": "manifest requests redirected to themselves, forever",
    "unauthorized_loop": "every request 401 with a Bearer challenge; the token service grants tokens that never work",
    "token_drip": "every request 401; the token service drips its answer one byte every 200 ms",
    "token_endless": "every request 401; the token service answers an endless JSON body",
}

_MANIFEST = re.compile(r"^/v2/(?P<repo>.+)/manifests/(?P<ref>[^/]+)$")
_BLOB = re.compile(r"^/v2/(?P<repo>.+)/blobs/(?P<digest>sha256:[0-9a-f]{64})$")
_UPLOADS = re.compile(r"^/v2/(?P<repo>.+)/blobs/uploads/(?P<id>[^/]*)$")
AUTH_MODES = ("unauthorized_loop", "token_drip", "token_endless")


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer() -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("etc/hostile.txt")
        payload = b"a tiny layer of the hostile registry's test image\n"
        info.size, info.mtime = len(payload), 0
        tar.addfile(info, io.BytesIO(payload))
    return gzip.compress(raw.getvalue(), mtime=0)


_BOMB: list[bytes] = []


def _bomb() -> bytes:
    """GZIP_BOMB_BYTES of zeros, gzipped (built once per process: ~1 s of CPU)."""
    if not _BOMB:
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as g:
            block = b"\0" * (4 << 20)
            for _ in range(GZIP_BOMB_BYTES // len(block)):
                g.write(block)
        _BOMB.append(out.getvalue())
    return _BOMB[0]


class SampleImage:
    """One linux/amd64 OCI image: a config blob, one layer, a manifest."""

    def __init__(self) -> None:
        self.layer = _layer()
        diff_id = _sha(gzip.decompress(self.layer))
        self.config = json.dumps({"architecture": "amd64", "os": "linux",
                                  "rootfs": {"type": "layers", "diff_ids": [diff_id]}}, sort_keys=True).encode()
        self.manifest_doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                             "config": {"mediaType": OCI_CONFIG, "digest": _sha(self.config),
                                        "size": len(self.config)},
                             "layers": [{"mediaType": OCI_LAYER, "digest": _sha(self.layer),
                                         "size": len(self.layer)}]}
        self.manifest = json.dumps(self.manifest_doc).encode()
        self.digest = _sha(self.manifest)
        self.blobs = {_sha(self.config): self.config, _sha(self.layer): self.layer}


class HostileRegistry:
    def __init__(self, mode: str, port: int = 0, hostile_repos: tuple[str, ...] | None = None,
                 prepopulate: tuple[str, ...] = ("src/redis:8.2.1",)) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        self.mode = mode
        self.hostile_repos = hostile_repos
        self.stop = threading.Event()
        self.image = SampleImage()
        self.lock = threading.Lock()
        # Blobs only where an image is served: an empty target must really receive the copy.
        self.blobs: dict[str, bytes] = dict(self.image.blobs) if prepopulate else {}
        self.manifests: dict[tuple[str, str], tuple[str, bytes]] = {}
        self.uploads: dict[str, bytearray] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, for the test
        for name in prepopulate:
            repo, _, tag = name.rpartition(":")
            self.manifests[(repo, tag)] = (OCI_MANIFEST, self.image.manifest)
            self.manifests[(repo, self.image.digest)] = (OCI_MANIFEST, self.image.manifest)
        registry = self

        class Handler(_Handler):
            server_state = registry

        self.httpd = _Server(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.timeout = 0.2
        self.port = int(self.httpd.server_address[1])
        self.host = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, name=f"hostile-registry-{mode}", daemon=True)

    def _serve(self) -> None:
        deadline = time.monotonic() + 3600
        while not self.stop.is_set() and time.monotonic() < deadline:
            self.httpd.handle_request()

    def start(self) -> HostileRegistry:
        if self.mode == "gzip_bomb":
            self.bomb()
        self._thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=5)
        self.httpd.server_close()

    def bomb(self) -> bytes:
        return _bomb()

    # --- what the test looks at --------------------------------------------------------------

    def manifest(self, repo: str, ref: str) -> bytes | None:
        with self.lock:
            found = self.manifests.get((repo, ref))
        return found[1] if found else None

    def hostile_for(self, repo: str) -> bool:
        return self.mode != "healthy" and (self.hostile_repos is None or repo in self.hostile_repos)


class _Handler(http.server.BaseHTTPRequestHandler):
    server_state: HostileRegistry
    protocol_version = "HTTP/1.1"
    timeout = 5  # a client that stops talking mid-request does not hold a thread

    def log_message(self, *args: object) -> None:
        pass

    # --- plumbing ---------------------------------------------------------------------------

    @property
    def reg(self) -> HostileRegistry:
        return self.server_state

    def _expired(self, started: float) -> bool:
        return self.reg.stop.is_set() or time.monotonic() - started > MAX_REQUEST_SECONDS

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                head: bool = False) -> None:
        self.send_response(status)
        sent = {"Content-Length": str(len(body)), **(headers or {})}
        for k, v in sent.items():
            self.send_header(k, v)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _raw(self, status: int, headers: dict[str, str], body: bytes, head: bool) -> bytes:
        lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}"] + [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if head else body)

    def _drip(self, data: bytes) -> None:
        started = time.monotonic()
        self.close_connection = True
        for i in range(len(data)):
            if self._expired(started):
                return
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            time.sleep(DRIP_PAUSE_S)

    def _stream_forever(self, chunk: bytes, chunked: bool = False) -> None:
        started = time.monotonic()
        self.close_connection = True
        sent = 0
        while not self._expired(started) and sent < MAX_BYTES_SENT:
            piece = (b"%x\r\n%s\r\n" % (len(chunk), chunk)) if chunked else chunk
            self.wfile.write(piece)
            sent += len(piece)
            time.sleep(STREAM_PAUSE_S)

    def _silence(self) -> None:
        started = time.monotonic()
        self.close_connection = True
        while not self._expired(started):
            time.sleep(0.05)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while len(out) <= MAX_UPLOAD_BYTES:
                size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                out += self.rfile.read(size)
                self.rfile.readline()
            return bytes(out)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_UPLOAD_BYTES:
            raise ValueError("upload too large")
        return self.rfile.read(length) if length else b""

    def _challenge(self) -> None:
        realm = f"http://127.0.0.1:{self.reg.port}/token"
        body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
        self._answer(401, body, {"WWW-Authenticate": f'Bearer realm="{realm}",service="hostile",'
                                                    'scope="repository:src/redis:pull"',
                                 "Content-Type": "application/json"}, head=self.command == "HEAD")

    # --- dispatch ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        with self.reg.lock:
            self.reg.requests.append((self.command, self.path))
        if path == "/token":
            return self._token()
        if self.reg.mode in AUTH_MODES:
            if self.command in ("PUT", "PATCH", "POST"):
                with contextlib.suppress(Exception):
                    self._body()
            return self._challenge()
        if path in ("/v2", "/v2/"):
            return self._answer(200, b"{}", {"Content-Type": "application/json"}, head=self.command == "HEAD")
        m = _UPLOADS.match(path)
        if m:
            return self._upload(m.group("repo"), m.group("id"), parse_qs(parts.query))
        m = _MANIFEST.match(path)
        if m:
            if self.command == "PUT":
                return self._put_manifest(m.group("repo"), m.group("ref"))
            return self._manifest(m.group("repo"), m.group("ref"))
        m = _BLOB.match(path)
        if m:
            return self._blob(m.group("digest"))
        self._answer(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no such path"}]}',
                     {"Content-Type": "application/json"}, head=self.command == "HEAD")

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _dispatch

    def _token(self) -> None:
        mode = self.reg.mode
        body = b'{"token": "hostile-token-that-never-works", "expires_in": 300}'
        if mode == "token_drip":
            body += b" " * 400  # ~90 s at one byte per 200 ms: longer than any sane deadline
            return self._drip(self._raw(200, {"Content-Type": "application/json",
                                              "Content-Length": str(len(body))}, body, False))
        if mode == "token_endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b'{"token": "')
            return self._stream_forever(b"t" * STREAM_CHUNK)
        self._answer(200, body, {"Content-Type": "application/json"})

    # --- manifests --------------------------------------------------------------------------

    def _manifest(self, repo: str, ref: str) -> None:
        head = self.command == "HEAD"
        reg = self.reg
        with reg.lock:
            found = reg.manifests.get((repo, ref))
        if not reg.hostile_for(repo):
            if found is None:
                return self._answer(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}',
                                    {"Content-Type": "application/json"}, head=head)
            media, data = found
            return self._answer(200, data, {"Content-Type": media, "Docker-Content-Digest": _sha(data)}, head=head)
        image = reg.image
        mode = reg.mode
        good = {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": image.digest}
        if mode == "drip":
            # Padded so that even the HEAD answer (headers only) takes ~90 s to drip.
            headers = {**good, "Content-Length": str(len(image.manifest)), "X-Padding": "p" * 300}
            return self._drip(self._raw(200, headers, image.manifest, head))
        if mode == "silent":
            return self._silence()
        if mode in ("endless_body", "endless_chunked", "huge_content_length", "gzip_bomb") and head:
            # No digest on HEAD: the client must GET the body to learn it.
            return self._answer(200, b"", {"Content-Type": OCI_MANIFEST}, head=True)
        if mode == "endless_body":
            self.send_response(200)
            self.send_header("Content-Type", OCI_MANIFEST)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b'{"schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode() + b'", "x": "')
            return self._stream_forever(b"x" * STREAM_CHUNK)
        if mode == "endless_chunked":
            self.send_response(200)
            self.send_header("Content-Type", OCI_MANIFEST)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            return self._stream_forever(b"y" * STREAM_CHUNK, chunked=True)
        if mode == "huge_content_length":
            self.send_response(200)
            self.send_header("Content-Type", OCI_MANIFEST)
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
            self.wfile.write(b"{" + b" " * 1023)
            return self._silence()
        if mode == "gzip_bomb":
            bomb = reg.bomb()
            return self._answer(200, bomb, {"Content-Type": OCI_MANIFEST, "Content-Encoding": "gzip"})
        if mode in ("digest_not_a_digest", "digest_mismatch"):
            claimed = "sha256:NOT-A-DIGEST" if mode == "digest_not_a_digest" else _sha(b"other bytes entirely")
            return self._answer(200, image.manifest, {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": claimed},
                                head=head)
        if mode == "redirect_plain_http":
            location = f"{NON_LOOPBACK_HTTP}/v2/{repo}/manifests/{ref}"
            return self._answer(307, b"", {"Location": location}, head=head)
        if mode == "redirect_loop":
            return self._answer(302, b"", {"Location": f"http://127.0.0.1:{reg.port}{self.path}"}, head=head)
        if mode == "wrong_media_type":
            body = json.dumps({**image.manifest_doc, "mediaType": "application/vnd.evil+json"}).encode()
            return self._answer(200, b"<html>" + body, {"Content-Type": "text/html"}, head=head)
        body, media = self._tampered(mode)
        # A tampered manifest is served honestly: its own digest, its own bytes.
        self._answer(200, body, {"Content-Type": media, "Docker-Content-Digest": _sha(body)}, head=head)

    def _tampered(self, mode: str) -> tuple[bytes, str]:
        image = self.reg.image
        doc = json.loads(image.manifest)
        layer = doc["layers"][0]
        if mode == "layer_no_size":
            del layer["size"]
        elif mode == "layer_size_string":
            layer["size"] = "big"
        elif mode == "layer_size_negative":
            layer["size"] = -1
        elif mode == "layer_digest_traversal":
            layer["digest"] = "sha256:../../../../v2/_catalog"
        elif mode == "layers_not_list":
            doc["layers"] = "sha256:" + "0" * 64
        elif mode == "layers_mapping":
            doc["layers"] = {"digest": layer["digest"], "size": layer["size"]}
        elif mode == "config_not_mapping":
            doc["config"] = doc["config"]["digest"]
        elif mode == "manifest_not_json":
            return b'{"schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode() + b'", "layers": [', OCI_MANIFEST
        elif mode == "manifest_json_list":
            return json.dumps([doc]).encode(), OCI_MANIFEST
        elif mode == "index_manifests_not_list":
            return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": 7}).encode(), OCI_INDEX
        elif mode == "index_entry_not_mapping":
            return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                               "manifests": [image.digest]}).encode(), OCI_INDEX
        else:
            raise AssertionError(mode)
        return json.dumps(doc).encode(), OCI_MANIFEST

    def _put_manifest(self, repo: str, ref: str) -> None:
        try:
            data = self._body()
        except ValueError:
            return self._answer(413, b"")
        media = self.headers.get("Content-Type", OCI_MANIFEST)
        digest = _sha(data)
        with self.reg.lock:
            self.reg.manifests[(repo, ref)] = (media, data)
            self.reg.manifests[(repo, digest)] = (media, data)
        self._answer(201, b"", {"Docker-Content-Digest": digest, "Location": f"/v2/{repo}/manifests/{digest}"})

    # --- blobs ------------------------------------------------------------------------------

    def _blob(self, digest: str) -> None:
        with self.reg.lock:
            data = self.reg.blobs.get(digest)
        if data is None:
            return self._answer(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}',
                                {"Content-Type": "application/json"}, head=self.command == "HEAD")
        self._answer(200, data, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest},
                     head=self.command == "HEAD")

    def _upload(self, repo: str, upload_id: str, query: dict[str, list[str]]) -> None:
        reg = self.reg
        if self.command == "POST":
            with contextlib.suppress(ValueError):
                self._body()
            mount = (query.get("mount") or [""])[0]
            with reg.lock:
                if mount and mount in reg.blobs:
                    return self._answer(201, b"", {"Location": f"/v2/{repo}/blobs/{mount}",
                                                   "Docker-Content-Digest": mount})
                new = uuid.uuid4().hex
                reg.uploads[new] = bytearray()
            return self._answer(202, b"", {"Location": f"/v2/{repo}/blobs/uploads/{new}", "Range": "0-0"})
        with reg.lock:
            buffer = reg.uploads.get(upload_id)
        if buffer is None:
            return self._answer(404, b'{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"upload unknown"}]}',
                                {"Content-Type": "application/json"})
        if self.command == "DELETE":
            with reg.lock:
                reg.uploads.pop(upload_id, None)
            return self._answer(204)
        try:
            buffer += self._body()
        except ValueError:
            return self._answer(413, b"")
        if self.command == "PATCH":
            return self._answer(202, b"", {"Location": f"/v2/{repo}/blobs/uploads/{upload_id}",
                                           "Range": f"0-{max(len(buffer) - 1, 0)}"})
        if self.command == "PUT":
            digest = (query.get("digest") or [""])[0]
            if _sha(bytes(buffer)) != digest:
                return self._answer(400, b'{"errors":[{"code":"DIGEST_INVALID","message":"digest mismatch"}]}',
                                    {"Content-Type": "application/json"})
            with reg.lock:
                reg.blobs[digest] = bytes(buffer)
                reg.uploads.pop(upload_id, None)
            return self._answer(201, b"", {"Location": f"/v2/{repo}/blobs/{digest}", "Docker-Content-Digest": digest})
        self._answer(405, b"")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up on an endless body is the point of the test, not worth a trace


@contextlib.contextmanager
def hostile_registry(mode: str, **kwargs: object) -> Iterator[int]:
    """Run a registry in `mode` on 127.0.0.1:<free port>; yield the port; stop on exit."""
    server = HostileRegistry(mode, **kwargs).start()  # type: ignore[arg-type]
    try:
        yield server.port
    finally:
        server.close()


@contextlib.contextmanager
def hostile_registry_server(mode: str, **kwargs: object) -> Iterator[HostileRegistry]:
    """Like hostile_registry, yielding the server (manifests pushed, requests seen)."""
    server = HostileRegistry(mode, **kwargs).start()  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.close()


def main() -> None:
    net.run_peer(__doc__, MODES, lambda mode, port: HostileRegistry(mode, port).start(), lambda s: s.host)


if __name__ == "__main__":
    main()
