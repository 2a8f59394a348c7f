"""commands/images.py: `images <env> [--verify]`, what it prints and its exit status."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.aws import ACCOUNT

DEV_URL = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/twofa/dev"


def test_images_verify_and_build_verify_ask_ecr_for_an_ecr_host(bare_project: Path, cli, aws: str) -> None:
    import boto3

    client = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="twofa/dev")
    ran = cli(bare_project, "images", "dev", "--verify")
    assert ran.code == 1
    assert f"{DEV_URL}:redis-latest\tmissing" in ran.out and "run `python -m generator mirror dev`" in ran.err

    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": "sha256:" + "d" * 64, "size": 2}, "layers": []})
    digest = client.put_image(repositoryName="twofa/dev", imageManifest=manifest,
                              imageTag="redis-latest")["image"]["imageId"]["imageDigest"]
    ran = cli(bare_project, "images", "dev", "--verify")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[0] == f"{DEV_URL}:redis-latest\t{digest}"  # then the chart's line

    env_file = bare_project / "environments" / "dev.yaml"
    env_file.write_text(env_file.read_text() + "images:\n  redis:\n    digest: sha256:" + "e" * 64 + "\n")
    ran = cli(bare_project, "build", "dev", "--verify-images")
    assert ran.code == 1
    assert f"pinned sha256:{'e' * 64} but the tag points to {digest}" in ran.err
    assert not (bare_project / "build").exists()
