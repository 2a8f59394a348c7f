"""A moto server on 127.0.0.1 (real HTTP, real SigV4 signing), and the standard AWS variables
pointing boto3 at it. The generator has no test-only path: it honours AWS_ENDPOINT_URL like
any boto3 program. Also the two local registries, the "ECR" one accepting exactly the login
that moto's get_authorization_token hands out.

Registered as a pytest plugin by tests/conftest.py: one moto server per test process (each
pytest-xdist worker has its own, on a port the kernel picks), reset before every test that uses it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3

from tests.support.registries import LocalRegistry, TokenService, start_registry

ACCOUNT = "123456789012"  # moto's default account


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh moto account, and the environment of a process that has AWS credentials."""
    urllib3.request("POST", f"{moto_url}/moto-api/reset", timeout=10.0)
    # Nothing of the caller's AWS setup (profiles, roles, regions, retry settings) reaches the test.
    for variable in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key-not-real")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))  # no Docker login but the test's own
    yield moto_url


@pytest.fixture
def no_credentials(aws: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    return aws


def ecr_login() -> tuple[str, str]:
    """What moto's ECR hands out as the registry login (asked the way the generator asks)."""
    import boto3

    data = boto3.client("ecr", region_name="us-east-1").get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    return user, password


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LocalRegistry]:
    """Plays Docker Hub: anonymous pulls."""
    with start_registry(tmp_path / "hub") as registry:
        yield registry


@pytest.fixture
def ecr_registry(aws: str, tmp_path: Path) -> Iterator[LocalRegistry]:
    """Plays ECR: basic auth, accepting exactly the login moto's get_authorization_token returns."""
    user, password = ecr_login()
    with start_registry(tmp_path / "ecr", user, password) as registry:
        yield registry


@pytest.fixture
def token_hub(tmp_path: Path) -> Iterator[tuple[LocalRegistry, TokenService]]:
    """Plays Docker Hub with its real login flow: 401 + Bearer challenge, anonymous token."""
    service = TokenService(tmp_path / "token")
    with service.serve(), start_registry(tmp_path / "token-hub", token_auth=service.config()) as registry:
        yield registry, service
