"""Real OCI registries on 127.0.0.1 (Debian's docker-registry: the CNCF distribution registry),
and a multi-platform test image the tests build and push themselves.

Registered as a pytest plugin by tests/conftest.py.
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
import socket
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import urllib3

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalRegistry:
    host: str  # 127.0.0.1:<port>
    storage: Path
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def headers(self) -> dict[str, str]:
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


@contextlib.contextmanager
def start_registry(base: Path, username: str | None = None, password: str | None = None) -> Iterator[LocalRegistry]:
    """Run one docker-registry on 127.0.0.1:<free port>, storage under `base`; stop it on exit."""
    base.mkdir(parents=True, exist_ok=True)
    storage = base / "storage"
    port = free_port()
    auth = ""
    if username is not None and password is not None:
        _htpasswd(base / "htpasswd", username, password)
        auth = f"auth:\n  htpasswd:\n    realm: test\n    path: {base / 'htpasswd'}\n"
    config = base / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: error\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n  secret: test-only-not-a-secret\n" + auth
    )
    log = open(base / "registry.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen([REGISTRY_BIN, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    registry = LocalRegistry(f"127.0.0.1:{port}", storage, username, password)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status = urllib3.request("GET", f"{registry.url}/v2/", timeout=1.0, retries=False).status
                if status in (200, 401):
                    break
            except urllib3.exceptions.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"docker-registry did not start: {(base / 'registry.log').read_text()[-2000:]}")
            time.sleep(0.05)
        yield registry
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


# --- a multi-platform test image ----------------------------------------------------------


@dataclass(frozen=True)
class TestImage:
    repository: str
    tag: str
    index_digest: str
    manifests: dict[str, str]  # platform -> manifest digest
    blobs: dict[str, int]  # digest -> size, every config and layer


def layer(files: dict[str, bytes]) -> bytes:
    """A reproducible gzipped tar layer."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=1, mtime=0)


def push_test_image(registry: LocalRegistry, repository: str, tag: str, seed: str = "v1",
                    big: int = 0) -> TestImage:
    """Build and push an OCI image index with linux/amd64 and linux/arm64: one layer shared by both
    platforms, one layer of each platform's own, a config each. `big` adds a random layer of
    that many bytes (incompressible) to amd64."""
    shared = layer({"etc/motd": f"shared {seed}\n".encode()})
    blobs: dict[str, int] = {}
    manifests: dict[str, str] = {}
    entries = []
    for arch in ("amd64", "arm64"):
        layers = [shared, layer({f"opt/{arch}.txt": f"{arch} {seed}\n".encode() * 100})]
        if big and arch == "amd64":
            layers.append(layer({"opt/random.bin": os.urandom(big)}))
        diff_ids = ["sha256:" + hashlib.sha256(gzip.decompress(d)).hexdigest() for d in layers]
        config = json.dumps({"architecture": arch, "os": "linux", "config": {"Cmd": ["/bin/true"]},
                             "rootfs": {"type": "layers", "diff_ids": diff_ids}}, sort_keys=True).encode()
        descriptors = []
        for data in layers:
            digest = registry.push_blob(repository, data)
            blobs[digest] = len(data)
            descriptors.append({"mediaType": OCI_LAYER, "digest": digest, "size": len(data)})
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
