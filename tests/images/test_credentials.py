"""images/credentials.py: a registry login, and the logins `docker login` stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.errors import RegistryError
from generator.images import oci


def test_credentials_are_not_shown() -> None:
    assert "s3cret" not in repr(oci.Credentials("AWS", "s3cret"))


def test_docker_login_from_the_docker_config(tmp_path: Path) -> None:
    import base64
    import json

    env = {"DOCKER_CONFIG": str(tmp_path)}
    assert oci.docker_login("docker.io", env) is None  # no file: anonymous
    auth = base64.b64encode(b"someone:hub-token").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {
        "https://index.docker.io/v1/": {"auth": auth},
        "registry.example.com": {"username": "ci", "password": "pw"},
    }, "credsStore": "desktop"}))
    assert oci.docker_login("docker.io", env) == oci.Credentials("someone", "hub-token")
    assert oci.docker_login("registry.example.com", env) == oci.Credentials("ci", "pw")
    assert oci.docker_login("ghcr.io", env) is None
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(RegistryError, match="cannot read the Docker login file"):
        oci.docker_login("docker.io", env)
