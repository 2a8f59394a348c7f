"""`mirror`, `images --verify`, `--pin` and `build --verify-images` end to end: moto for the ECR
login, a local registry playing Docker Hub, a basic-auth one playing ECR."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.support.paths import CHECKOUT
from tests.support.registries import HoldingProxy, LocalRegistry, push_test_image

EXPLICIT = re.compile(r"^(ecr_(registry|repository)|image_tag|metrics_.*):.*\n", re.M)


def point_at(project: Path, hub: LocalRegistry | HoldingProxy, ecr: LocalRegistry, metrics: bool = True,
             env: str = "dev") -> Path:
    path = project / "environments" / f"{env}.yaml"
    path.write_text(EXPLICIT.sub("", path.read_text()) + (
        f"ecr_registry: {ecr.host}\n"
        f"ecr_repository: twofa/{env}\n"
        "image_tag: redis-8.2.1\n"
        f"metrics_enabled: {'true' if metrics else 'false'}\n"
        "metrics_image_tag: redis-exporter-1.76.0\n"
        "images:\n"
        "  redis:\n"
        f"    source: {hub.host}/bitnami/redis:8.2.1\n"
        "  redis-exporter:\n"
        f"    source: {hub.host}/bitnami/redis-exporter:1.76.0\n"
    ))
    return path


def test_mirror_then_verify_then_rerun(bare_project: Path, cli, hub: LocalRegistry,
                                       ecr_registry: LocalRegistry) -> None:
    redis = push_test_image(hub, "bitnami/redis", "8.2.1", seed="redis")
    exporter = push_test_image(hub, "bitnami/redis-exporter", "1.76.0", seed="exporter")
    point_at(bare_project, hub, ecr_registry)

    ran = cli(bare_project, "images", "dev")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[:-1] == [f"{ecr_registry.host}/twofa/dev:redis-8.2.1",
                                         f"{ecr_registry.host}/twofa/dev:redis-exporter-1.76.0"]
    assert ran.out.splitlines()[-1].startswith("oci://")  # the chart, as Argo CD pulls it
    ran = cli(bare_project, "images", "dev", "--verify")
    assert ran.code == 1
    assert "run `python -m generator mirror dev`" in ran.err
    assert f"{ecr_registry.host}/twofa/dev:redis-8.2.1\tmissing" in ran.out

    ran = cli(bare_project, "mirror", "dev", "--dry-run")
    assert ran.code == 0, ran.err
    would = f"redis: {ecr_registry.host}/twofa/dev:redis-8.2.1: would copy from {hub.host}/bitnami/redis:8.2.1"
    assert would in ran.out
    assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") is None

    ran = cli(bare_project, "mirror", "dev")
    assert ran.code == 0, ran.err
    assert re.search(r"redis: \S+: copied from \S+ \(2 platforms, [0-9.]+ MB sent in [0-9.]+ s, [0-9.]+ MB/s; "
                     rf"blobs: 5 sent, 0 already there, 0 mounted\) {redis.index_digest}", ran.out), ran.out
    assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") == redis.index_digest
    assert ecr_registry.manifest_digest("twofa/dev", "redis-exporter-1.76.0") == exporter.index_digest

    ran = cli(bare_project, "images", "dev", "--verify")
    assert ran.code == 0, ran.err
    assert f"{ecr_registry.host}/twofa/dev:redis-8.2.1\t{redis.index_digest}" in ran.out
    assert f"{ecr_registry.host}/twofa/dev:redis-exporter-1.76.0\t{exporter.index_digest}" in ran.out

    ran = cli(bare_project, "mirror", "dev")
    assert ran.code == 0, ran.err
    assert ran.out.count("skipped, already in ECR") == 2 and "copied" not in ran.out


def test_a_failed_image_is_named_and_the_rest_is_copied(bare_project: Path, cli, hub: LocalRegistry,
                                                        ecr_registry: LocalRegistry) -> None:
    redis = push_test_image(hub, "bitnami/redis", "8.2.1")
    point_at(bare_project, hub, ecr_registry)

    ran = cli(bare_project, "mirror", "dev")

    assert ran.code == 1
    assert re.search(r"redis-exporter: \S+: failed: .*bitnami/redis-exporter:1.76.0: no such image", ran.err)
    assert "1 of 2 images failed to mirror" in ran.err and "Traceback" not in ran.err
    assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") == redis.index_digest
    push_test_image(hub, "bitnami/redis-exporter", "1.76.0")
    ran = cli(bare_project, "mirror", "dev")
    assert ran.code == 0, ran.err
    assert "redis: " in ran.out and "skipped" in ran.out and "redis-exporter: " in ran.out and "copied" in ran.out


def test_pin_writes_digests_and_build_verifies_them(bare_project: Path, cli, hub: LocalRegistry,
                                                    ecr_registry: LocalRegistry) -> None:
    redis = push_test_image(hub, "bitnami/redis", "8.2.1")
    env_file = point_at(bare_project, hub, ecr_registry, metrics=False)
    env_file.write_text(env_file.read_text() + "# a comment that must survive\nbackend_namespace: twofa-backend\n")
    header = env_file.read_text().splitlines()[0]
    assert header.startswith("# ")  # the fixture's own first comment, which must survive too

    ran = cli(bare_project, "mirror", "dev", "--pin")

    assert ran.code == 0, ran.err
    assert "dev: pinned 1 digest in environments/dev.yaml" in ran.out
    text = env_file.read_text()
    assert "# a comment that must survive\nbackend_namespace: twofa-backend\n" in text and header in text
    assert yaml.safe_load(text)["images"]["redis"] == {"digest": redis.index_digest,
                                                       "source": f"{hub.host}/bitnami/redis:8.2.1"}
    ran = cli(bare_project, "build", "dev", "--verify-images")
    assert ran.code == 0, ran.err
    assert f"dev: in ECR: {ecr_registry.host}/twofa/dev:redis-8.2.1 {redis.index_digest}" in ran.out
    values = yaml.safe_load((bare_project / "chart" / "values-dev.yaml").read_text())
    assert values["redis"]["image"]["digest"] == redis.index_digest
    ran = cli(bare_project, "images", "dev")
    assert ran.out.splitlines()[0] == f"{ecr_registry.host}/twofa/dev:redis-8.2.1@{redis.index_digest}"

    # Someone re-pushes the tag: the pin no longer matches what ECR serves under it.
    other = push_test_image(ecr_registry, "twofa/dev", "redis-8.2.1", seed="moved")
    ran = cli(bare_project, "build", "dev", "--verify-images")
    assert ran.code == 1
    assert f"pinned {redis.index_digest} but the tag points to {other.index_digest}" in ran.err
    assert "run `python -m generator mirror dev --pin`" in ran.err
    ran = cli(bare_project, "images", "dev", "--verify")
    assert ran.code == 1 and "mirror dev --pin" in ran.err

    ran = cli(bare_project, "mirror", "dev", "--pin")  # the tag exists: skipped, and the pin follows it
    assert ran.code == 0, ran.err
    assert yaml.safe_load(env_file.read_text())["images"]["redis"]["digest"] == other.index_digest
    assert env_file.read_text().count("images:") == 1


def test_ecr_login_refused(bare_project: Path, cli, hub: LocalRegistry, ecr_registry: LocalRegistry,
                           monkeypatch) -> None:
    push_test_image(hub, "bitnami/redis", "8.2.1")
    point_at(bare_project, hub, ecr_registry, metrics=False)
    (ecr_registry.storage.parent / "htpasswd").write_text("")  # the registry now refuses every login
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    ran = cli(bare_project, "mirror", "dev")
    assert ran.code == 1
    assert "ECR login (get_authorization_token): no AWS credentials found" in ran.err
    assert "Traceback" not in ran.err


def test_ctrl_c_in_the_middle_then_a_rerun_finishes(bare_project: Path, cli, hub: LocalRegistry,
                                                    ecr_registry: LocalRegistry) -> None:
    image = push_test_image(hub, "bitnami/redis", "8.2.1", big=16 << 20)
    big = max(image.blobs, key=lambda d: image.blobs[d])
    small = min(image.blobs, key=lambda d: image.blobs[d])
    # The source stops in the middle of the big layer until the signal has been sent: the copy is
    # under way when Ctrl-C comes, on an event, never after a guessed time (which a fast copy beat).
    with HoldingProxy(hub, big, pause_at=image.blobs[big] // 2) as source:
        point_at(bare_project, source, ecr_registry, metrics=False)
        # SIGINT's default action in the child: a suite started in the background (`scripts/test &`,
        # a CI runner) inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
        proc = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(bare_project), "mirror", "dev"],
                                cwd=CHECKOUT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            deadline = time.monotonic() + 60
            # Held in the big layer; the other blobs (other workers) are done meanwhile.
            while not (source.holding.is_set() and ecr_registry.has_blob("twofa/dev", small)):
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the copy never got to the middle of the big layer"
                source.holding.wait(0.05)
            proc.send_signal(signal.SIGINT)
            source.release.set()
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        assert proc.returncode == 130, err
        assert "interrupted; run `python -m generator mirror dev` again to finish" in err and "Traceback" not in err
        assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") is None
        assert not ecr_registry.has_blob("twofa/dev", big)
        present = [d for d in image.blobs if ecr_registry.has_blob("twofa/dev", d)]

        ran = cli(bare_project, "mirror", "dev")

    assert ran.code == 0, ran.err
    assert f"blobs: {len(image.blobs) - len(present)} sent, {len(present)} already there" in ran.out
    assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") == image.index_digest
    assert ecr_registry.blob("twofa/dev", big) == hub.blob("bitnami/redis", big)


def test_another_environment_in_the_same_registry_mounts_instead_of_downloading(
        bare_project: Path, cli, hub: LocalRegistry, ecr_registry: LocalRegistry) -> None:
    image = push_test_image(hub, "bitnami/redis", "8.2.1")
    point_at(bare_project, hub, ecr_registry, metrics=False)
    point_at(bare_project, hub, ecr_registry, metrics=False, env="staging")
    assert cli(bare_project, "mirror", "dev").code == 0

    ran = cli(bare_project, "mirror", "staging")

    assert ran.code == 0, ran.err
    assert "0.0 MB sent in" in ran.out and f"blobs: 0 sent, 0 already there, {len(image.blobs)} mounted" in ran.out
    assert ecr_registry.manifest_digest("twofa/staging", "redis-8.2.1") == image.index_digest


def test_a_private_source_uses_the_docker_login(bare_project: Path, cli, tmp_path: Path,
                                                ecr_registry: LocalRegistry, monkeypatch) -> None:
    import base64
    import json

    from tests.support.registries import start_registry

    with start_registry(tmp_path / "private", "puller", "pull-secret") as private:
        image = push_test_image(private, "bitnami/redis", "8.2.1")
        point_at(bare_project, private, ecr_registry, metrics=False)
        ran = cli(bare_project, "mirror", "dev")
        assert ran.code == 1
        assert "asks for a login and none is configured" in ran.err

        docker = tmp_path / "docker-login"
        docker.mkdir()
        auth = base64.b64encode(b"puller:pull-secret").decode()
        (docker / "config.json").write_text(json.dumps({"auths": {private.host: {"auth": auth}}}))
        monkeypatch.setenv("DOCKER_CONFIG", str(docker))
        ran = cli(bare_project, "mirror", "dev")

    assert ran.code == 0, ran.err
    assert "pull-secret" not in ran.out + ran.err
    assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") == image.index_digest
