"""A small client of the OCI distribution API: what reading, checking and copying images needs.

No Docker daemon: manifests and blobs are moved with plain HTTP requests (generator/images/
transport.py, which also says how each host is spoken to). Blobs are streamed (never held in
memory) and their digests checked on the way through.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import urllib3

from generator.core.errors import RegistryError
from generator.core.text import shown
from generator.images import documents
from generator.images.credentials import Credentials, docker_login
from generator.images.documents import DOCKER_LIST, INDEX_TYPES, OCI_INDEX
from generator.images.refs import DOCKER_HUB, Reference, parse_reference
from generator.images.transport import MAX_REPLY_BYTES, Reply, Transport, Unreachable, discard

__all__ = ["DOCKER_HUB", "DOCKER_LIST", "INDEX_TYPES", "OCI_INDEX", "Credentials", "Manifest",
           "ManifestUnknown", "Reference", "Registry", "Unreachable", "docker_login", "parse_reference"]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_TYPES = (*INDEX_TYPES, OCI_MANIFEST, DOCKER_MANIFEST)
CHUNK = 1 << 20
MIN_THROUGHPUT = 64 << 10  # bytes per second an upload must keep up, on top of the deadline

Progress = Callable[[str, int, int], None]  # (blob digest, bytes done, bytes total)


@dataclass(frozen=True)
class Manifest:
    data: bytes
    media_type: str
    digest: str
    where: str = ""  # "<host>: <repository>:<ref>", for messages

    def json(self) -> dict[str, Any]:
        return documents.parse(self.data, self.where or f"manifest {self.digest}")

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES


class ManifestUnknown(RegistryError):
    """The registry answered: it has no such tag or digest (what `mirror` then says to set)."""


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry(Transport):
    """The registry API of one host: manifests and blobs, read, checked, copied."""

    def head_manifest(self, repository: str, ref: str) -> str | None:
        """The digest a tag or digest points to, or None when there is none: computed from the
        manifest's bytes (the registry's Docker-Content-Digest header is checked against it, never
        taken on trust: it is what `mirror --pin` writes into an environment file)."""
        with self.operation("HEAD", repository):
            response = self._request("HEAD", f"/v2/{repository}/manifests/{ref}", _pull(repository),
                                     {"Accept": ", ".join(MANIFEST_TYPES)})
            if response.status == 404:
                return None
            self._check(response, f"HEAD {repository}:{ref}", 200)
            claimed = response.headers.get("Docker-Content-Digest")
            if claimed is not None and not documents.is_digest(claimed):
                raise RegistryError(f"{self.host}: {repository}:{ref}: Docker-Content-Digest {shown(claimed)} is not "
                                    "a sha256 digest")
            digest = self.get_manifest(repository, ref).digest
        if claimed is not None and claimed != digest:
            raise RegistryError(f"{self.host}: {repository}:{ref}: HEAD says digest {claimed}, the manifest's bytes "
                                f"hash to {digest}")
        return digest

    def get_manifest(self, repository: str, ref: str) -> Manifest:
        response = self._request("GET", f"/v2/{repository}/manifests/{ref}", _pull(repository),
                                 {"Accept": ", ".join(MANIFEST_TYPES)})
        if response.status == 404:
            raise ManifestUnknown(f"{self.host}: {repository}:{ref}: no such image (manifest unknown)")
        self._check(response, f"GET manifest {repository}:{ref}", 200)
        data = response.data
        if len(data) > MAX_REPLY_BYTES:
            raise RegistryError(f"{self.host}: {repository}:{ref}: manifest larger than {MAX_REPLY_BYTES} bytes")
        digest = digest_of(data)
        if ref.startswith("sha256:") and digest != ref:
            raise RegistryError(f"{self.host}: {repository}@{ref}: manifest content has digest {digest}")
        claimed = response.headers.get("Docker-Content-Digest")
        if claimed is not None and claimed != digest:
            raise RegistryError(f"{self.host}: {repository}:{ref}: the registry says digest {shown(claimed)}, the "
                                f"manifest's bytes hash to {digest}")
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if media_type not in MANIFEST_TYPES:
            try:
                media_type = str(json.loads(data).get("mediaType", ""))
            except (ValueError, AttributeError, RecursionError):
                media_type = ""
        if media_type not in MANIFEST_TYPES:
            raise RegistryError(f"{self.host}: {repository}:{ref}: unsupported manifest type {shown(media_type)}")
        where = f"{self.host}: {repository}:{ref}"
        documents.check(documents.parse(data, where), media_type in INDEX_TYPES, where)
        return Manifest(data, media_type, digest, where)

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
            data = response.read(MAX_REPLY_BYTES)
            discard(response)
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
        # A deadline that grows with the blob: a slow link may take minutes over a big layer.
        response = self._request("PATCH", location, _push(repository),
                                 {"Content-Type": "application/octet-stream", "Content-Length": str(size)},
                                 chunks, seconds=self.timeout + size / MIN_THROUGHPUT)
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


def _pull(repository: str) -> str:
    return f"repository:{repository}:pull"


def _push(repository: str) -> str:
    return f"repository:{repository}:pull,push"
