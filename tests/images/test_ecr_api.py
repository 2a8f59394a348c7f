"""images/ecr_api.py: asking ECR (moto on 127.0.0.1) which digest a tag names, and for the registry login."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator import pipeline
from generator.images import ecr_api
from tests.support.aws import ACCOUNT


def test_lookup_asks_describe_images_for_an_ecr_host(bare_project: Path, aws: str) -> None:
    import boto3

    client = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="twofa/dev")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": "sha256:" + "a" * 64, "size": 2}, "layers": []})
    pushed = client.put_image(repositoryName="twofa/dev", imageManifest=manifest, imageTag="redis-latest")
    settings = pipeline.prepare(bare_project, "dev").settings

    found = ecr_api.lookup(settings, ["redis-latest", "redis-exporter-latest"])

    assert found == {"redis-latest": pushed["image"]["imageId"]["imageDigest"], "redis-exporter-latest": None}


def test_lookup_of_a_missing_repository(bare_project: Path, aws: str) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    with pytest.raises(ecr_api.RegistryError, match="repository 'twofa/dev' does not exist"):
        ecr_api.lookup(settings, ["redis-latest"])


def test_login_from_get_authorization_token(bare_project: Path, aws: str) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    credentials = ecr_api.login(settings)
    assert (credentials.username, credentials.password) == ("AWS", f"{ACCOUNT}-auth-token")
    assert credentials.password not in repr(credentials)
