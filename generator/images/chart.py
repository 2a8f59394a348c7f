"""The Bitnami chart as an OCI artifact, the way Helm (3.17 and 4) writes it: read, checked,
copied and downloaded through the same registry client as the images.

A Helm chart in a registry is an OCI image manifest whose config is Helm's (the Chart.yaml
metadata as JSON) and whose one chart layer IS the redis-<version>.tgz: the layer digest is the
sha256 of the archive file. That digest is what `chart_digest` pins: build and check can compute
it from the file in chart/charts/, and it survives a re-push of the same archive (the manifest
digest does not: Helm writes the archive's mtime into an annotation).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import urllib3

from generator.core.errors import CheckError, RegistryError
from generator.core.names import ECR_HOST
from generator.core.settings import Settings
from generator.images import copy as imagecopy
from generator.images import documents, ecr_api, oci
from generator.images.refs import chart_tag

# Helm's media types (helm pkg/registry/constants.go, the same in 3.17.3 and 4.1.4).
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
LEGACY_CHART_LAYER = "application/tar+gzip"  # what Helm < 3.7 pushed; Helm still pulls it
PROV_LAYER = "application/vnd.cncf.helm.chart.provenance.v1.prov"
MAX_CHART_BYTES = 64 << 20  # Bitnami redis is ~115 kB: anything near this is a mistake or an attack


class ChartNotFound(RegistryError):
    """The registry answers and has no such chart version."""


class ChartDigestMismatch(CheckError):
    """An archive (in a registry, fetched, or in chart/charts/) is not the one chart_digest pins,
    or not the one its own manifest names: refused, exit 1."""


class NotAChart(RegistryError):
    """The reference names something that is not a Helm chart (an image, an index)."""


def is_ours(settings: Settings, host: str) -> bool:
    """An ECR registry (any account), or the environment's own ecr_registry (a mirror, a test's)."""
    return bool(ECR_HOST.fullmatch(host)) or host == settings.ecr_registry


def client(settings: Settings, host: str, deadline: float | None = None) -> oci.Registry:
    """The ECR login for an ECR host (it may be another account's than ecr_registry's), the
    `docker login` one (or anonymous: Docker Hub's token flow) for any other."""
    credentials = ecr_api.login(settings, host) if is_ours(settings, host) else oci.docker_login(host)
    return oci.Registry(host, credentials, deadline=deadline)


@dataclass(frozen=True)
class Artifact:
    where: str  # oci://host/repository:ref, for messages
    manifest: oci.Manifest
    layer: imagecopy.Blob  # the .tgz

    @property
    def archive_digest(self) -> str:
        return self.layer.digest


def parse(where: str, manifest: oci.Manifest) -> Artifact:
    """A Helm chart as Helm writes it, or NotAChart: Helm's config, exactly one chart layer, at
    most one provenance layer, nothing else."""
    if manifest.is_index:
        raise NotAChart(f"{where}: is an image index ({manifest.media_type}), not a Helm chart")
    data = manifest.json()
    config: dict[str, Any] = data["config"] if isinstance(data.get("config"), dict) else {}
    if config.get("mediaType") != HELM_CONFIG:
        raise NotAChart(f"{where}: config media type {config.get('mediaType')!r} is not {HELM_CONFIG} "
                        "(an image, not a Helm chart)")
    layers = [d for d in data.get("layers") or [] if isinstance(d, dict)]
    kinds = [d.get("mediaType") for d in layers]
    charts = [d for d in layers if d.get("mediaType") in (CHART_LAYER, LEGACY_CHART_LAYER)]
    if len(charts) != 1 or kinds.count(PROV_LAYER) > 1 or len(charts) + kinds.count(PROV_LAYER) != len(layers):
        raise NotAChart(f"{where}: expected one {CHART_LAYER} layer (and at most one provenance layer), got {kinds}")
    digest, size = str(charts[0].get("digest", "")), charts[0].get("size")
    if (not documents.is_digest(digest) or not isinstance(size, int) or isinstance(size, bool)
            or not 0 < size <= MAX_CHART_BYTES):
        raise NotAChart(f"{where}: the chart layer's digest or size is not usable ({digest[:19] or '?'}, {size!r})")
    return Artifact(where, manifest, imagecopy.Blob(digest, size))


def read(registry: oci.Registry, repository: str, ref: str) -> Artifact:
    """The chart a version (its tag) or a manifest digest names."""
    at = "@" if ref.startswith("sha256:") else ":"
    where = f"oci://{registry.host}/{repository}{at}{ref}"
    try:
        manifest = registry.get_manifest(repository, ref if at == "@" else chart_tag(ref))
    except oci.ManifestUnknown:
        raise ChartNotFound(f"{where}: no such chart version in the registry (manifest unknown)") from None
    return parse(where, manifest)


def refuse_unpinned(art: Artifact, pin: str, what: str) -> None:
    if pin and art.archive_digest != pin:
        raise ChartDigestMismatch(f"{art.where}: the registry's archive is {art.archive_digest} but chart_digest "
                                  f"pins {pin}: refused (a re-pushed version, or a wrong pin); {what}")


def stream(registry: oci.Registry, repository: str, art: Artifact, sink: Callable[[bytes], Any]) -> str:
    """Download the archive into `sink`, counted and hashed; a short, long or wrong stream
    raises before the caller keeps anything. Returns the digest computed here."""
    response = registry.open_blob(repository, art.layer.digest)
    h = hashlib.sha256()
    done = 0
    try:
        for chunk in response.stream(oci.CHUNK):
            if registry.deadline is not None and time.monotonic() > registry.deadline:
                raise oci.Unreachable(f"{registry.host}: chart download did not finish in time (timed out)")
            done += len(chunk)
            if done > art.layer.size:
                raise ChartDigestMismatch(f"{art.where}: the registry sent more than the {art.layer.size} bytes "
                                          "its manifest announces: refused")
            h.update(chunk)
            sink(chunk)
    except urllib3.exceptions.HTTPError as e:  # cut off or stalled mid-way
        raise oci.Unreachable(f"{registry.host}: chart download broke off ({e.__class__.__name__})") from None
    finally:
        response.release_conn()
    got = "sha256:" + h.hexdigest()
    if done != art.layer.size or got != art.layer.digest:
        raise ChartDigestMismatch(f"{art.where}: the registry sent {done} bytes with digest {got}, its manifest "
                                  f"names {art.layer.digest} ({art.layer.size} bytes): refused")
    return got


@dataclass(frozen=True)
class Copied:
    status: str  # "copied" | "skipped"
    archive_digest: str
    manifest_digest: str  # what the target's tag points to after the run
    note: str = ""


def copy(source: oci.Registry, source_repository: str, version: str, target: oci.Registry,
         target_repository: str, pin: str = "") -> Copied:
    """Copy the chart `version` from source to target, byte for byte (same manifest digest).

    A target that has the tag already is skipped when it holds the pinned archive (the source
    is not asked then: ECR is what Argo CD reads) or, unpinned, the source's; it is refused
    when it holds another: a re-pushed version is never overwritten. A source that does not
    hold the pinned archive is refused before anything is sent."""
    tag = chart_tag(version)
    where = f"oci://{target.host}/{target_repository}:{tag}"
    present = target.head_manifest(target_repository, tag)
    there = read(target, target_repository, present) if present else None
    if there is not None and pin:
        if there.archive_digest != pin:
            raise ChartDigestMismatch(f"{where} holds archive {there.archive_digest} but chart_digest pins {pin}: "
                                      "refused, not overwritten (a version is written once: delete the tag on "
                                      "purpose if the mirror is wrong, or fix the pin)")
        return Copied("skipped", there.archive_digest, there.manifest.digest)
    art = read(source, source_repository, version)
    refuse_unpinned(art, pin, "nothing copied")
    if there is not None:
        if there.archive_digest != art.archive_digest:
            raise ChartDigestMismatch(
                f"{where} already holds archive {there.archive_digest}, the "
                f"source has {art.archive_digest}: refused, not overwritten (a version is written once; delete the "
                "tag on purpose if the mirror is wrong)")
        note = "" if there.manifest.digest == art.manifest.digest else " (same archive, re-packed manifest)"
        return Copied("skipped", there.archive_digest, there.manifest.digest, note)
    # By manifest digest: the bytes checked above are the bytes copied, whatever the tag does meanwhile.
    src = oci.Reference(source.host, source_repository, digest=art.manifest.digest)
    stats = imagecopy.copy_image(source, src, target, target_repository, tag)
    after = target.head_manifest(target_repository, tag)
    if after != art.manifest.digest:
        raise RegistryError(f"{where}: points to {after} after the copy, "
                            f"expected {art.manifest.digest}")
    return Copied("copied", art.archive_digest, stats.digest)
