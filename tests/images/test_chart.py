"""The chart as an OCI artifact (generator/images/chart.py) against what the real helm (4.1.4 and
3.17.3) pushes to a real docker-registry on 127.0.0.1: read, refused when it is not a chart,
copied byte for byte, skipped, a re-pushed version refused, a tampered blob refused, and every
request bounded by the registry client's deadline."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.bitnami import archive
from generator.images import chart, oci
from tests.support.charts import HELMS, Helm, package, sha
from tests.support.registries import OCI_MANIFEST, LocalRegistry, push_test_image, start_registry

SOURCE, TARGET = "bitnamicharts/redis", "twofa/charts/redis"


@pytest.fixture(params=sorted(HELMS))
def helm(request: pytest.FixtureRequest, tmp_path: Path) -> Helm:
    return Helm(request.param, HELMS[request.param], tmp_path / f"{request.param}-home")


@pytest.fixture
def helm4(tmp_path: Path) -> Helm:
    return Helm("helm4", HELMS["helm4"], tmp_path / "helm4-home")


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[LocalRegistry]:
    """ECR's stand-in: basic auth, user AWS."""
    with start_registry(tmp_path / "mirror", "AWS", "not-a-real-ecr-token") as registry:
        yield registry


def client(registry: LocalRegistry) -> oci.Registry:
    login = oci.Credentials(registry.username, registry.password or "") if registry.username else None
    return oci.Registry(registry.host, login)


def manifest_bytes(registry: LocalRegistry, repository: str, ref: str) -> bytes:
    r = registry.request("GET", f"/v2/{repository}/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
    assert r.status == 200, r.data
    assert r.headers["Content-Type"] == OCI_MANIFEST
    return bytes(r.data)


def test_helm_pushes_what_read_takes_for_a_chart(helm: Helm, hub: LocalRegistry, tmp_path: Path) -> None:
    tgz = package(tmp_path, helm, "23.1.1")
    printed = helm.push(tgz, hub, "bitnamicharts")
    raw = manifest_bytes(hub, SOURCE, "23.1.1")
    data = json.loads(raw)
    assert "mediaType" not in data  # Helm leaves it out: only the Content-Type says what it is
    assert data["config"]["mediaType"] == chart.HELM_CONFIG
    assert [(d["mediaType"], d["digest"], d["size"]) for d in data["layers"]] == [
        (chart.CHART_LAYER, sha(tgz), tgz.stat().st_size)]  # the layer IS the archive

    art = chart.read(client(hub), SOURCE, "23.1.1")

    # The pin build computes from the file equals the layer digest; "Digest:" is the manifest's.
    assert art.archive_digest == sha(tgz) == archive.digest(tgz)
    assert art.manifest.digest == printed == oci.digest_of(raw)


def test_an_image_or_a_missing_version_is_not_a_chart(hub: LocalRegistry) -> None:
    push_test_image(hub, SOURCE, "23.1.1")
    with pytest.raises(chart.NotAChart, match="is an image index"):
        chart.read(client(hub), SOURCE, "23.1.1")
    index = json.loads(manifest_bytes_any(hub, SOURCE, "23.1.1"))
    one_platform = index["manifests"][0]["digest"]
    with pytest.raises(chart.NotAChart, match=r"config media type .application/vnd\.oci\.image\.config\.v1"):
        chart.read(client(hub), SOURCE, one_platform)
    with pytest.raises(chart.ChartNotFound, match=r"redis:9\.9\.9: no such chart version"):
        chart.read(client(hub), SOURCE, "9.9.9")


def manifest_bytes_any(registry: LocalRegistry, repository: str, ref: str) -> bytes:
    r = registry.request("GET", f"/v2/{repository}/manifests/{ref}",
                         headers={"Accept": "application/vnd.oci.image.index.v1+json"})
    return bytes(r.data)


def test_copy_is_byte_for_byte_then_skipped_and_a_repushed_version_is_refused(
        helm4: Helm, hub: LocalRegistry, mirror: LocalRegistry, tmp_path: Path) -> None:
    tgz = package(tmp_path, helm4, "23.1.1")
    helm4.push(tgz, hub, "bitnamicharts")

    done = chart.copy(client(hub), SOURCE, "23.1.1", client(mirror), TARGET, pin=sha(tgz))

    assert (done.status, done.archive_digest) == ("copied", sha(tgz))
    assert manifest_bytes(mirror, TARGET, "23.1.1") == manifest_bytes(hub, SOURCE, "23.1.1")
    assert chart.copy(client(hub), SOURCE, "23.1.1", client(mirror), TARGET).status == "skipped"

    # The source re-pushes 23.1.1 with other bytes: the mirror's copy is never overwritten.
    other = package(tmp_path, helm4, "23.1.1", marker="v2")
    helm4.push(other, hub, "bitnamicharts")
    with pytest.raises(chart.ChartDigestMismatch, match=f"already holds archive {sha(tgz)}, the source has "
                                                        f"{sha(other)}: refused, not overwritten"):
        chart.copy(client(hub), SOURCE, "23.1.1", client(mirror), TARGET)
    # Pinned, ECR holding the pinned archive is enough: the source is not even asked.
    assert chart.copy(client(hub), SOURCE, "23.1.1", client(mirror), TARGET, pin=sha(tgz)).status == "skipped"
    # Into an empty repository, the re-pushed source is refused before anything is sent.
    with pytest.raises(chart.ChartDigestMismatch, match=f"archive is {sha(other)} but chart_digest pins {sha(tgz)}"):
        chart.copy(client(hub), SOURCE, "23.1.1", client(mirror), "twofa/other/redis", pin=sha(tgz))
    assert mirror.manifest_digest("twofa/other/redis", "23.1.1") is None
    assert not mirror.has_blob("twofa/other/redis", sha(other))


def test_a_tampered_blob_is_refused_by_the_stream(helm4: Helm, hub: LocalRegistry, tmp_path: Path) -> None:
    tgz = package(tmp_path, helm4, "23.1.1")
    helm4.push(tgz, hub, "bitnamicharts")
    hexdigest = sha(tgz).removeprefix("sha256:")
    stored = hub.storage / "docker/registry/v2/blobs/sha256" / hexdigest[:2] / hexdigest / "data"
    data = bytearray(stored.read_bytes())
    data[-20] ^= 0xFF  # same size, other bytes: the registry serves them as they are
    stored.write_bytes(bytes(data))
    received: list[bytes] = []

    art = chart.read(client(hub), SOURCE, "23.1.1")
    with pytest.raises(chart.ChartDigestMismatch, match=f"its manifest names {sha(tgz)} .*: refused"):
        chart.stream(client(hub), SOURCE, art, received.append)
    assert b"".join(received) == bytes(data)  # the caller got them, and the error says not to keep them


def test_the_deadline_bounds_a_peer_that_accepts_and_never_answers() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections complete in the backlog; nothing is ever read or sent
        host = f"127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(oci.Unreachable, match="timed out"):
            chart.read(oci.Registry(host, deadline=started + 1.0), SOURCE, "23.1.1")
        assert time.monotonic() - started < 1.5
        with pytest.raises(oci.Unreachable, match="no answer in time"):
            oci.Registry(host, deadline=time.monotonic() - 1).get_manifest(SOURCE, "23.1.1")
