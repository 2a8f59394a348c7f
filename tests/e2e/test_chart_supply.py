"""The chart's supply chain end to end, with real parts: a chart the test packages with the real
helm, pushed to a docker-registry playing Docker Hub; `mirror` copies it into one playing ECR
(the login moto's ECR hands out); `helm pull` and `helm dependency build` read it from there;
`build` fetches and verifies it; a re-pushed chart and a tampered archive are refused; an
unreachable registry costs one line and at most the deadline."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.support.charts import HELMS, Helm, package, point_at_ecr, sha, subchart_keys, use_chart
from tests.support.cli import tree
from tests.support.registries import LocalRegistry, push_test_image

VERSION = "23.1.1"


@pytest.fixture
def helm4(tmp_path: Path) -> Helm:
    return Helm("helm4", HELMS["helm4"], tmp_path / "helm4-home")


@pytest.fixture
def helm3(tmp_path: Path) -> Helm:
    return Helm("helm3", HELMS["helm3"], tmp_path / "helm3-home")


def stand_in(project: Path, cli, helm: Helm, base: Path, marker: str = "v1") -> Path:
    """A chart named redis whose values hold every key the project sets for the subchart, so
    that a build with it passes the key check as with Bitnami's archive."""
    for env in ("dev", "staging", "prod"):
        ran = cli(project, "build", env, "--fetch-timeout", "0")
        assert ran.code == 0, ran.err
    keys = subchart_keys(project)
    keys.setdefault("image", {}).setdefault("digest", "")  # Bitnami has it: set once `mirror --pin` pins the image
    return package(base, helm, VERSION, marker=marker, values=keys)


def archives(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "chart" / "charts").glob("*")) \
        if (project / "chart" / "charts").is_dir() else []


def fetch_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if "subchart" in line or "fetched" in line or "chart_digest" in line]


@pytest.fixture
def chart_in_ecr(bare_project: Path, cli, hub: LocalRegistry, ecr_registry: LocalRegistry, helm4: Helm,
                 tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """The project pulling its chart from the test's ECR, the stand-in chart at the test's
    Docker Hub and the redis image too; nothing mirrored yet."""
    push_test_image(hub, "bitnami/redis", "8.2.1")
    point_at_ecr(bare_project, ecr_registry, hub)
    use_chart(bare_project, VERSION, f"oci://{ecr_registry.host}/twofa/charts", f"oci://{hub.host}/bitnamicharts")
    tgz = stand_in(bare_project, cli, helm4, tmp_path)
    helm4.push(tgz, hub, "bitnamicharts")
    yield bare_project, tgz


def test_mirror_copies_the_chart_then_helm_and_build_pull_it_from_ecr(
        chart_in_ecr: tuple[Path, Path], cli, hub: LocalRegistry, ecr_registry: LocalRegistry, helm4: Helm,
        helm3: Helm, tmp_path: Path) -> None:
    project, tgz = chart_in_ecr
    where = f"oci://{ecr_registry.host}/twofa/charts/redis:{VERSION}"
    ran = cli(project, "images", "dev")
    assert ran.out.splitlines()[-1] == where
    ran = cli(project, "images", "dev", "--verify")
    assert ran.code == 1 and f"{where}\tmissing" in ran.out
    assert "the chart not as expected in ECR" in ran.err

    common = project / "environments" / "_common.yaml"
    comment = "# a comment mirror --pin must keep\n"
    common.write_text(comment + common.read_text())
    ran = cli(project, "mirror", "dev", "--pin")

    assert ran.code == 0, ran.err
    manifest = ecr_registry.manifest_digest("twofa/charts/redis", VERSION)
    assert f"chart: {where}: copied from oci://{hub.host}/bitnamicharts/redis:{VERSION} (archive {sha(tgz)}, " \
           f"manifest {manifest})" in ran.out
    assert manifest == hub.manifest_digest("bitnamicharts/redis", VERSION)  # byte for byte
    assert f"dev: chart_digest {sha(tgz)} (computed from the archive in ECR) written to environments/_common.yaml" \
        in ran.out
    assert yaml.safe_load(common.read_text())["chart_digest"] == sha(tgz)
    assert comment in common.read_text()
    ran = cli(project, "images", "dev", "--verify")
    assert ran.code == 0, ran.err
    assert f"{where}\t{sha(tgz)}" in ran.out
    ran = cli(project, "mirror", "dev", "--pin")
    assert ran.code == 0 and f"chart: {where}: skipped, already in ECR (archive {sha(tgz)}" in ran.out
    assert "already pinned" in ran.out

    # Helm reads the mirror as Argo CD's repo-server does: Helm 4 only with --plain-http on
    # loopback, and --insecure-skip-tls-verify next to it would make it use HTTPS again.
    login = ["--username", ecr_registry.username or "", "--password", ecr_registry.password or ""]
    ref = f"oci://{ecr_registry.host}/twofa/charts/redis"
    for helm in (helm4, helm3):
        out = tmp_path / f"pulled-{helm.name}"
        out.mkdir()
        helm.run("pull", ref, "--version", VERSION, "--plain-http", *login, "-d", str(out))
        assert (out / f"redis-{VERSION}.tgz").read_bytes() == tgz.read_bytes()
        umbrella = tmp_path / f"umbrella-{helm.name}"
        (umbrella / "templates").mkdir(parents=True)
        (umbrella / "Chart.yaml").write_text(
            f"apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n  - name: redis\n"
            f"    version: \"{VERSION}\"\n    repository: \"oci://{ecr_registry.host}/twofa/charts\"\n")
        helm.run("dependency", "build", str(umbrella), "--plain-http", *login)
        assert (umbrella / "charts" / f"redis-{VERSION}.tgz").read_bytes() == tgz.read_bytes()
    https = helm4.run("pull", ref, "--version", VERSION, *login, "-d", str(tmp_path), check=False)
    assert https.returncode == 1 and "server gave HTTP response to HTTPS client" in https.stderr
    both = helm4.run("pull", ref, "--version", VERSION, "--plain-http", "--insecure-skip-tls-verify", *login,
                     "-d", str(tmp_path), check=False)
    assert both.returncode == 1 and "HTTPS client" in both.stderr

    # build fetches it from ECR (with the ECR login) and verifies it against the pin.
    ran = cli(project, "build", "dev", "--fetch-timeout", "10")
    assert ran.code == 0, ran.err
    (line,) = fetch_lines(ran.out)
    assert re.fullmatch(rf"dev: fetched {re.escape(where)} into chart/charts/redis-{VERSION}\.tgz in [0-9.]+ s "
                        rf"\(archive {sha(tgz)}, verified against chart_digest\)", line), line
    assert (project / "chart" / "charts" / f"redis-{VERSION}.tgz").read_bytes() == tgz.read_bytes()
    assert "dev: 2 objects valid" in ran.out  # our NetworkPolicy and the stand-in's ConfigMap
    ran = cli(project, "build", "dev", "--fetch-timeout", "10")
    assert ran.code == 0 and fetch_lines(ran.out) == []  # there, and verified: nothing to say

    # deps: helm dependency build against the mirror (plain HTTP, the ECR login in a private
    # registry config), then verified.
    (project / "chart" / "charts" / f"redis-{VERSION}.tgz").unlink()
    ran = cli(project, "deps", "--timeout", "60")
    assert ran.code == 0, ran.err
    assert ran.out == f"chart/charts/: redis-{VERSION}.tgz (redis {VERSION}), verified against chart_digest\n"


def test_a_repushed_chart_is_refused_everywhere(chart_in_ecr: tuple[Path, Path], cli, hub: LocalRegistry,
                                                ecr_registry: LocalRegistry, helm4: Helm, tmp_path: Path) -> None:
    project, tgz = chart_in_ecr
    ran = cli(project, "mirror", "dev", "--pin")
    assert ran.code == 0, ran.err
    other = package(tmp_path, helm4, VERSION, marker="v2", values=subchart_keys(project))
    helm4.push(other, hub, "bitnamicharts")  # Docker Hub re-pushes the version
    ran = cli(project, "mirror", "dev")
    assert ran.code == 0 and "skipped, already in ECR" in ran.out  # ECR holds the pinned archive
    helm4.push(other, ecr_registry, "twofa/charts")  # and now someone moves ECR's tag too
    where = f"oci://{ecr_registry.host}/twofa/charts/redis:{VERSION}"

    ran = cli(project, "images", "dev", "--verify")
    assert ran.code == 1
    assert f"{where}\tchart_digest pins {sha(tgz)} but ECR holds archive {sha(other)}" in ran.out
    ran = cli(project, "mirror", "dev")
    assert ran.code == 1
    assert f"chart: {where}: failed: {where} holds archive {sha(other)} but chart_digest pins {sha(tgz)}: " \
           "refused, not overwritten" in ran.err
    ran = cli(project, "build", "dev", "--verify-images", "--fetch-timeout", "0")
    assert ran.code == 1 and f"chart_digest pins {sha(tgz)} but ECR holds archive {sha(other)}" in ran.err
    before = tree(project)
    ran = cli(project, "build", "dev", "--fetch-timeout", "10")
    assert ran.code == 1
    assert ran.err == (f"error: {where}: the registry's archive is {sha(other)} but chart_digest pins {sha(tgz)}: "
                       "refused (a re-pushed version, or a wrong pin); chart/charts/ unchanged\n")
    assert tree(project) == before and archives(project) == []

    # Unpinned, ECR's copy is compared with the source, and a difference is refused too.
    use_chart(project, VERSION, f"oci://{ecr_registry.host}/twofa/charts", f"oci://{hub.host}/bitnamicharts")
    helm4.push(tgz, hub, "bitnamicharts")
    ran = cli(project, "mirror", "dev")
    assert ran.code == 1 and f"already holds archive {sha(other)}, the source has {sha(tgz)}" in ran.err


def test_a_tampered_archive_is_refused_by_build_and_check(bare_project: Path, cli, helm4: Helm,
                                                          tmp_path: Path) -> None:
    use_chart(bare_project, VERSION, "oci://registry-1.docker.io/bitnamicharts")
    tgz = stand_in(bare_project, cli, helm4, tmp_path)
    placed = bare_project / "chart" / "charts" / f"redis-{VERSION}.tgz"
    placed.parent.mkdir(exist_ok=True)
    placed.write_bytes(tgz.read_bytes())
    ran = cli(bare_project, "build", "dev", "--fetch-timeout", "0")
    assert ran.code == 0, ran.err
    assert [line for line in ran.out.splitlines() if "chart_digest" in line] == [
        f"dev: chart_digest is not set: chart/charts/redis-{VERSION}.tgz ({sha(tgz)}) is used unverified "
        "(`python -m generator mirror <env> --pin` pins the mirrored archive)"]

    use_chart(bare_project, VERSION, "oci://registry-1.docker.io/bitnamicharts", digest=sha(tgz))
    for env in ("dev", "staging", "prod"):
        ran = cli(bare_project, "build", env, "--fetch-timeout", "0")
        assert ran.code == 0 and "chart_digest" not in ran.out, ran.err
    ran = cli(bare_project, "check")  # (its policy rules fail on the stand-in's objects: not the point here)
    assert "archive digest" not in ran.out + ran.err and "chart_digest" not in ran.out + ran.err

    data = bytearray(tgz.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit: no longer a readable archive, and another digest
    placed.write_bytes(bytes(data))
    tampered = "sha256:" + hashlib.sha256(bytes(data)).hexdigest()
    before = tree(bare_project)
    for args in (("build", "dev", "--fetch-timeout", "0"), ("check",)):
        ran = cli(bare_project, *args)
        assert ran.code == 1, args
        assert f"chart/charts/redis-{VERSION}.tgz: archive digest {tampered} but chart_digest pins {sha(tgz)}: " \
               "refused" in ran.err
        assert "Traceback" not in ran.err
    assert tree(bare_project) == before


def test_build_fetches_through_docker_hubs_anonymous_token_login(bare_project: Path, cli, helm4: Helm, token_hub,
                                                                 tmp_path: Path) -> None:
    registry, service = token_hub
    use_chart(bare_project, VERSION, f"oci://{registry.host}/bitnamicharts")
    tgz = stand_in(bare_project, cli, helm4, tmp_path)
    helm4.push(tgz, registry, "bitnamicharts")  # helm logs in through the same token service
    service.scopes.clear()

    ran = cli(bare_project, "build", "dev", "--fetch-timeout", "10")

    assert ran.code == 0, ran.err
    assert f"dev: fetched oci://{registry.host}/bitnamicharts/redis:{VERSION} into chart/charts/redis-{VERSION}.tgz" \
        in ran.out
    assert "repository:bitnamicharts/redis:pull" in service.scopes
    assert (bare_project / "chart" / "charts" / f"redis-{VERSION}.tgz").read_bytes() == tgz.read_bytes()


def test_a_version_the_registry_lacks_is_one_line(bare_project: Path, cli, hub: LocalRegistry) -> None:
    use_chart(bare_project, "9.9.9", f"oci://{hub.host}/bitnamicharts")
    ran = cli(bare_project, "build", "dev", "--fetch-timeout", "5")
    assert ran.code == 0, ran.err
    assert fetch_lines(ran.out) == [
        f"dev: subchart not fetched: oci://{hub.host}/bitnamicharts/redis:9.9.9: no such chart version in the "
        "registry (manifest unknown); set chart_version to a version it has (or run `python -m generator mirror "
        "<env>`): rendered and validated our own templates only (--require-subchart fails instead)"]
    ran = cli(bare_project, "build", "dev", "--fetch-timeout", "5", "--require-subchart")
    assert ran.code == 1
    assert ran.err.startswith("error: subchart not fetched: ") and "--require-subchart was given" in ran.err


@pytest.mark.parametrize("peer", ["closed port", "accepts, never answers"])
def test_an_unreachable_registry_costs_one_line_and_the_deadline(bare_project: Path, cli, peer: str) -> None:
    import socket

    started = time.monotonic()
    assert cli(bare_project, "build", "dev", "--fetch-timeout", "0").code == 0
    baseline = time.monotonic() - started  # the build's own work, on this (shared) machine now
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        if peer != "closed port":
            sock.listen(16)  # connections land in the backlog; nothing is ever read or answered
        else:
            sock.close()
        use_chart(bare_project, VERSION, f"oci://127.0.0.1:{port}/bitnamicharts")
        why = "connection refused" if peer == "closed port" else "timed out"
        for extra in ((), ("--require-subchart",)):
            started = time.monotonic()
            ran = cli(bare_project, "build", "dev", "--fetch-timeout", "2", *extra)
            took = time.monotonic() - started
            assert took < baseline + 2 + 1, (took, baseline)  # the deadline, plus at most a second
            assert archives(bare_project) == []
            if extra:
                assert ran.code == 1 and f"not reachable ({why}; limit 2 s); --require-subchart was given" in ran.err
                continue
            assert ran.code == 0, ran.err
            assert fetch_lines(ran.out) == [
                f"dev: subchart not fetched: oci://127.0.0.1:{port}/bitnamicharts/redis:{VERSION}: not reachable "
                f"({why}; limit 2 s): rendered and validated our own templates only (--require-subchart fails "
                "instead)"]
