"""Real OCI registries on 127.0.0.1 (Debian's docker-registry: the CNCF distribution registry),
and a multi-platform test image the tests build and push themselves.

The fixtures that start them are in tests/support/aws.py.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import urllib3

from tests.support.net import free_port

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_TAR_LAYER = "application/vnd.oci.image.layer.v1.tar"


@dataclass
class LocalRegistry:
    host: str  # 127.0.0.1:<port>
    storage: Path
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    bearer: str | None = field(default=None, repr=False)  # a token, for a registry with token login

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def headers(self) -> dict[str, str]:
        if self.bearer is not None:
            return {"Authorization": f"Bearer {self.bearer}"}
        if self.username is None:
            return {}
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> urllib3.BaseHTTPResponse:
        url = path if path.startswith("http") else self.url + path
        return urllib3.request(method, url, body=body, headers={**self.headers(), **(headers or {})},
                               redirect=False, timeout=30.0, retries=False)

    def push_blob(self, repository: str, data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        r = self.request("POST", f"/v2/{repository}/blobs/uploads/")
        assert r.status == 202, r.data
        location = r.headers["Location"]
        joiner = "&" if "?" in location else "?"
        r = self.request("PUT", f"{location}{joiner}digest={digest}", data,
                         {"Content-Type": "application/octet-stream"})
        assert r.status == 201, r.data
        return digest

    def push_manifest(self, repository: str, ref: str, data: bytes, media_type: str) -> str:
        r = self.request("PUT", f"/v2/{repository}/manifests/{ref}", data, {"Content-Type": media_type})
        assert r.status == 201, r.data
        return str(r.headers["Docker-Content-Digest"])

    def manifest_digest(self, repository: str, ref: str) -> str | None:
        accept = ", ".join([OCI_INDEX, OCI_MANIFEST, "application/vnd.docker.distribution.manifest.v2+json",
                            "application/vnd.docker.distribution.manifest.list.v2+json"])
        r = self.request("HEAD", f"/v2/{repository}/manifests/{ref}", headers={"Accept": accept})
        return r.headers.get("Docker-Content-Digest") if r.status == 200 else None

    def has_blob(self, repository: str, digest: str) -> bool:
        return self.request("HEAD", f"/v2/{repository}/blobs/{digest}").status == 200

    def blob(self, repository: str, digest: str) -> bytes:
        r = self.request("GET", f"/v2/{repository}/blobs/{digest}")
        assert r.status == 200
        return bytes(r.data)


def _htpasswd(path: Path, username: str, password: str) -> None:
    import bcrypt

    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    path.write_text(f"{username}:{hashed}\n")


PORT_ATTEMPTS = 5
IDENTITY_HEADER = "X-Twofa-Test-Registry"  # each registry answers with its own value


@contextlib.contextmanager
def start_registry(base: Path, username: str | None = None, password: str | None = None,
                   token_auth: str = "") -> Iterator[LocalRegistry]:
    """Run one docker-registry on 127.0.0.1:<free port>, storage under `base`; stop it on exit.
    `token_auth` is the registry's `auth: token:` section (Docker Hub's way of logging in).

    It is ready when /v2/ answers with the header of this very registry (another process may have
    taken the free port first, as another xdist worker's registry can); a registry whose port was
    taken starts again on another."""
    base.mkdir(parents=True, exist_ok=True)
    storage = base / "storage"
    auth = token_auth
    if username is not None and password is not None:
        _htpasswd(base / "htpasswd", username, password)
        auth = f"auth:\n  htpasswd:\n    realm: test\n    path: {base / 'htpasswd'}\n"
    identity = os.urandom(8).hex()
    log = open(base / "registry.log", "wb")  # noqa: SIM115 - closed in finally
    proc: subprocess.Popen[bytes] | None = None
    try:
        for _ in range(PORT_ATTEMPTS):
            port = free_port()
            config = base / "config.yml"
            config.write_text(
                "version: 0.1\n"
                "log:\n  level: error\n  accesslog:\n    disabled: true\n"
                f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
                f"http:\n  addr: 127.0.0.1:{port}\n  secret: test-only-not-a-secret\n"
                f"  headers:\n    {IDENTITY_HEADER}: [{identity}]\n" + auth
            )
            proc = subprocess.Popen([REGISTRY_BIN, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            registry = LocalRegistry(f"127.0.0.1:{port}", storage, username, password)
            if _wait_ready(proc, registry, identity, base / "registry.log"):
                break
            _stop(proc)  # the port was taken: another one
        else:
            raise RuntimeError(f"docker-registry found no free port in {PORT_ATTEMPTS} attempts")
        yield registry
    finally:
        if proc is not None:
            _stop(proc)
        log.close()


def _wait_ready(proc: subprocess.Popen[bytes], registry: LocalRegistry, identity: str, log: Path) -> bool:
    """True once this registry answers; False when its port was taken; RuntimeError otherwise."""
    deadline = time.monotonic() + 20
    while True:
        try:
            r = urllib3.request("GET", f"{registry.url}/v2/", timeout=1.0, retries=False)
            if r.status in (200, 401) and r.headers.get(IDENTITY_HEADER) == identity:
                return True
        except urllib3.exceptions.HTTPError:
            pass
        if proc.poll() is not None:
            text = log.read_text(errors="replace")
            if "address already in use" in text:
                return False
            raise RuntimeError(f"docker-registry did not start: {text[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"docker-registry did not start in 20 s: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# --- a multi-platform test image ----------------------------------------------------------


@dataclass(frozen=True)
class TestImage:
    repository: str
    tag: str
    index_digest: str
    manifests: dict[str, str]  # platform -> manifest digest
    blobs: dict[str, int]  # digest -> size, every config and layer


def layer(files: dict[str, bytes], compress: bool = True) -> bytes:
    """A reproducible tar layer, gzipped unless told otherwise."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=1, mtime=0) if compress else raw.getvalue()


def push_test_image(registry: LocalRegistry, repository: str, tag: str, seed: str = "v1",
                    big: int = 0) -> TestImage:
    """Build and push an OCI image index with linux/amd64 and linux/arm64: one layer shared by both
    platforms, one layer of each platform's own, a config each. `big` adds a random layer of
    that many bytes (random, so stored as an uncompressed tar layer) to amd64."""
    shared = layer({"etc/motd": f"shared {seed}\n".encode()})
    blobs: dict[str, int] = {}
    manifests: dict[str, str] = {}
    entries = []
    for arch in ("amd64", "arm64"):
        layers = [(OCI_LAYER, shared), (OCI_LAYER, layer({f"opt/{arch}.txt": f"{arch} {seed}\n".encode() * 100}))]
        if big and arch == "amd64":
            layers.append((OCI_TAR_LAYER, layer({"opt/random.bin": os.urandom(big)}, compress=False)))
        diff_ids = ["sha256:" + hashlib.sha256(gzip.decompress(d) if t == OCI_LAYER else d).hexdigest()
                    for t, d in layers]
        config = json.dumps({"architecture": arch, "os": "linux", "config": {"Cmd": ["/bin/true"]},
                             "rootfs": {"type": "layers", "diff_ids": diff_ids}}, sort_keys=True).encode()
        descriptors = []
        for media_type, data in layers:
            digest = registry.push_blob(repository, data)
            blobs[digest] = len(data)
            descriptors.append({"mediaType": media_type, "digest": digest, "size": len(data)})
        config_digest = registry.push_blob(repository, config)
        blobs[config_digest] = len(config)
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config)},
                               "layers": descriptors}, indent=3).encode()  # odd indent: bytes must survive as is
        digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
        assert registry.push_manifest(repository, digest, manifest, OCI_MANIFEST) == digest
        manifests[f"linux/{arch}"] = digest
        entries.append({"mediaType": OCI_MANIFEST, "digest": digest, "size": len(manifest),
                        "platform": {"architecture": arch, "os": "linux"}})
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
    index_digest = registry.push_manifest(repository, tag, index, OCI_INDEX)
    assert index_digest == "sha256:" + hashlib.sha256(index).hexdigest()
    return TestImage(repository, tag, index_digest, manifests, blobs)


# --- a token service, the way Docker Hub logs clients in -----------------------------------


class TokenService:
    """Issues ES256 JWTs the distribution registry accepts (x5c chain to its rootcertbundle),
    granting whatever scope is asked, to anonymous clients: Docker Hub's anonymous pulls."""

    def __init__(self, base: Path) -> None:
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test token issuer")])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(minutes=5))
                     .not_valid_after(now + datetime.timedelta(hours=1))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.bundle = base / "token-ca.pem"
        base.mkdir(parents=True, exist_ok=True)
        self.bundle.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        self.der = self.cert.public_bytes(serialization.Encoding.DER)
        self.scopes: list[str] = []  # every scope asked for, in order
        self._server = self._bind()  # port 0: the kernel's free port, held from now on
        self.port = int(self._server.server_address[1])

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def config(self) -> str:
        return (f"auth:\n  token:\n    realm: {self.realm}\n    service: test-registry\n"
                f"    issuer: test-issuer\n    rootcertbundle: {self.bundle}\n")

    def token(self, scopes: list[str]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        access = []
        for scope in scopes:
            kind, name, actions = scope.split(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(self.der).decode()]}
        claims = {"iss": "test-issuer", "sub": "", "aud": "test-registry", "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": os.urandom(8).hex(), "access": access}
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        r, s = decode_dss_signature(self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def _bind(self) -> Any:
        import http.server
        from urllib.parse import parse_qs, urlsplit

        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                scopes = query.get("scope", [])
                service.scopes.extend(scopes)
                body = json.dumps({"token": service.token(scopes), "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @contextlib.contextmanager
    def serve(self) -> Iterator[TokenService]:
        import threading

        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=10)


# --- a registry that holds a blob in the middle, until told to go on ---------------------------


class HoldingProxy:
    """Serves GET/HEAD from another registry; the first download of one blob stops after
    `pause_at` bytes and sets `holding`, and goes on only once `release` is set, then slowly (64
    KiB every 20 ms). A copy from it is therefore in the middle of that blob for as long as a test
    needs, however fast the machine: an interrupt can be sent on that event instead of after a
    guessed time."""

    PIECE = 64 << 10

    def __init__(self, upstream: LocalRegistry, digest: str, pause_at: int) -> None:
        import http.server
        import threading

        self.upstream = upstream
        self.digest = digest
        self.pause_at = pause_at
        self.holding = threading.Event()
        self.release = threading.Event()
        self._held = False
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy._forward(self)

            do_HEAD = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HoldingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()  # never leave a download hanging
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _forward(self, handler: Any) -> None:
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
        answer = urllib3.request(handler.command, self.upstream.url + handler.path, headers=headers,
                                 preload_content=False, redirect=False, retries=False, timeout=30.0)
        with self._lock:
            hold = handler.path.endswith(f"/blobs/{self.digest}") and handler.command == "GET" and not self._held
            self._held = self._held or hold
        try:
            handler.send_response(answer.status)
            for key, value in answer.headers.items():
                if key.lower() not in ("connection", "transfer-encoding", "keep-alive", "date", "server"):
                    handler.send_header(key, value)
            handler.end_headers()
            if handler.command == "HEAD":
                return
            sent = 0
            for piece in answer.stream(self.PIECE):
                if hold and sent >= self.pause_at and not self.release.is_set():
                    self.holding.set()
                    self.release.wait(timeout=120)
                if hold and self.release.is_set():
                    time.sleep(0.02)
                handler.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass  # the client went away (an interrupted copy): nothing more to send
        finally:
            answer.release_conn()
