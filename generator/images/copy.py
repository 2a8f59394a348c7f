"""Copy one image, every platform of it, from one registry to another, byte for byte.

Order matters for a safe re-run: blobs first, then each platform's manifest by digest, and the
tag last. A tag that exists therefore always names a complete image, and a copy interrupted
half-way is finished by running it again: blobs the target already holds are not sent again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import urllib3

from generator.core.errors import RegistryError
from generator.images import documents, oci


@dataclass(frozen=True)
class Blob:
    digest: str
    size: int


@dataclass(frozen=True)
class CopyStats:
    digest: str  # of the top manifest (the index for a multi-platform image)
    platforms: int
    blobs: int
    blobs_sent: int
    blobs_present: int  # already in the target, not sent
    blobs_mounted: int  # linked from another repository of the same registry
    bytes_sent: int
    seconds: float


def copy_image(
    source: oci.Registry,
    src: oci.Reference,
    target: oci.Registry,
    repository: str,
    tag: str,
    progress: oci.Progress | None = None,
    workers: int = 4,
    siblings: Sequence[str] = (),
) -> CopyStats:
    """Copy `src` (a tag or digest in `source`) to `repository:tag` in `target`. `siblings` are
    other repositories of the target registry that may hold some blobs already (mounted, not sent)."""
    started = time.monotonic()
    top, children, blobs = plan(source, src)

    same_registry = source.host == target.host
    counts = {"sent": 0, "present": 0, "mounted": 0, "bytes": 0}
    lock = threading.Lock()
    stop = threading.Event()

    def one(blob: Blob) -> None:
        outcome, sent = _copy_blob(source, src.repository, target, repository, blob, same_registry, progress,
                                   stop, siblings)
        with lock:
            counts[outcome] += 1
            counts["bytes"] += sent

    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        for future in [pool.submit(one, b) for b in blobs]:
            future.result()
    except BaseException:
        # A failed blob or Ctrl-C: uploads in flight stop at their next chunk (and are
        # cancelled) instead of running to the end; blobs already committed stay.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    for child in children:
        target.put_manifest(repository, child.digest, child)
    target.put_manifest(repository, tag, top)
    return CopyStats(top.digest, max(1, len(children)), len(blobs), counts["sent"], counts["present"],
                     counts["mounted"], counts["bytes"], time.monotonic() - started)


def plan(source: oci.Registry, src: oci.Reference) -> tuple[oci.Manifest, list[oci.Manifest], list[Blob]]:
    """The top manifest, its platform manifests (none for a single-platform image) and every
    blob they name, once each (platforms share layers)."""
    top = source.get_manifest(src.repository, src.ref)
    children = [source.get_manifest(src.repository, d.digest) for d in _children(top)] if top.is_index else []
    blobs: dict[str, Blob] = {}
    for manifest in children or [top]:
        for blob in _blobs(manifest):
            blobs.setdefault(blob.digest, blob)
    return top, children, list(blobs.values())


def _children(index: oci.Manifest) -> list[documents.Descriptor]:
    return documents.children(index.json(), index.where)


def _blobs(manifest: oci.Manifest) -> Iterator[Blob]:
    for descriptor in documents.blobs(manifest.json(), manifest.where):
        if descriptor.foreign:
            continue  # a foreign layer: pulled from its own URLs, never pushed to a registry
        yield Blob(descriptor.digest, descriptor.size)


def _copy_blob(
    source: oci.Registry,
    source_repository: str,
    target: oci.Registry,
    repository: str,
    blob: Blob,
    same_registry: bool,
    progress: oci.Progress | None,
    stop: threading.Event,
    siblings: Sequence[str],
) -> tuple[str, int]:
    """Returns ("present" | "mounted" | "sent", bytes sent)."""
    if target.has_blob(repository, blob.digest):
        if progress:
            progress(blob.digest, blob.size, blob.size)
        return "present", 0
    # A mount links a blob the target registry already holds in another repository: the same
    # registry as the source, or a sibling repository (another environment's) that has it.
    donor = source_repository if same_registry and source_repository != repository else next(
        (r for r in siblings if r != repository and _holds(target, r, blob.digest)), None)
    location = target.mount_blob(repository, blob.digest, donor) if donor else target.start_upload(repository)
    if location is None:
        if progress:
            progress(blob.digest, blob.size, blob.size)
        return "mounted", 0
    response = source.open_blob(source_repository, blob.digest)
    try:
        target.upload_blob(repository, location, blob.digest, blob.size,
                           _checked(response, blob, progress, stop))
    except BaseException:
        target.cancel_upload(repository, location)
        raise
    finally:
        response.release_conn()
    return "sent", blob.size


def _holds(target: oci.Registry, repository: str, digest: str) -> bool:
    try:
        return target.has_blob(repository, digest)
    except RegistryError:
        return False  # not allowed to look there: not a donor, not a failure


class Stopped(Exception):
    """Another blob failed or the copy was interrupted: this one gives up too."""


def _checked(response: urllib3.BaseHTTPResponse, blob: Blob, progress: oci.Progress | None,
             stop: threading.Event) -> Iterator[bytes]:
    """The blob's bytes as they arrive, counted and hashed: a short or wrong stream raises
    before the upload is committed."""
    digest = hashlib.sha256()
    done = 0
    for chunk in response.stream(oci.CHUNK):
        if stop.is_set():
            raise Stopped(blob.digest)
        done += len(chunk)
        if done > blob.size:
            raise RegistryError(f"{blob.digest[:19]}: source sent more than the {blob.size} bytes announced")
        digest.update(chunk)
        if progress:
            progress(blob.digest, done, blob.size)
        yield chunk
    if done != blob.size or "sha256:" + digest.hexdigest() != blob.digest:
        raise RegistryError(f"{blob.digest[:19]}: source sent {done} bytes that do not match the digest")
