"""`secret put` / `secret check` against a real moto server on 127.0.0.1 (HTTP, SigV4), and the
`external` mode end to end: what put stores is what the rendered ExternalSecret reads."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from generator import pipeline
from generator.core import names as naming
from tests.support.paths import CHECKOUT

PASSWORD = "Otp-redis-Pa55word"
REGIONS = {"staging": "us-east-1", "prod": "eu-west-1"}


def stored(env: str, name: str) -> str:
    import boto3

    client = boto3.client("secretsmanager", region_name=REGIONS[env])
    return str(client.get_secret_value(SecretId=name)["SecretString"])


def test_put_creates_then_updates_and_check_never_prints_it(bare_project: Path, cli, aws: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ran = cli(bare_project, "secret", "check", "staging")
    assert ran.code == 1
    assert ran.err == ("error: staging: twofa/staging/redis-password in AWS Secrets Manager (us-east-1) does not "
                       "exist; run `python -m generator secret put staging`\n")

    monkeypatch.setenv("TF_VAR_redis_password", PASSWORD)
    ran = cli(bare_project, "secret", "put", "staging")
    assert ran.code == 0, ran.err
    assert ran.out.startswith("staging: created twofa/staging/redis-password in AWS Secrets Manager (us-east-1)")
    assert stored("staging", "twofa/staging/redis-password") == PASSWORD

    ran = cli(bare_project, "secret", "put", "staging")
    assert ran.out == ("staging: twofa/staging/redis-password in AWS Secrets Manager (us-east-1) already holds this "
                       "password; unchanged\n")

    monkeypatch.setenv("TF_VAR_redis_password", PASSWORD + "-rotated")
    ran = cli(bare_project, "secret", "put", "staging")
    assert ran.code == 0 and "updated twofa/staging/redis-password" in ran.out
    assert stored("staging", "twofa/staging/redis-password") == PASSWORD + "-rotated"

    monkeypatch.delenv("TF_VAR_redis_password")
    ran = cli(bare_project, "secret", "check", "staging")
    assert ran.code == 0, ran.err
    assert ran.out.startswith("staging: twofa/staging/redis-password in AWS Secrets Manager (us-east-1) is present")
    assert "ExternalSecret redis-secret in namespace redis reads it" in ran.out
    assert PASSWORD not in ran.out + ran.err


def test_what_put_stores_is_what_the_external_secret_reads(bare_project: Path, cli, aws: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The external mode end to end: ExternalSecret (rendered by the chart) -> Secrets Manager."""
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    assert cli(bare_project, "secret", "put", "prod").code == 0
    monkeypatch.delenv("REDIS_PASSWORD")
    assert cli(bare_project, "build", "prod").code == 0
    docs = yaml.safe_load_all((bare_project / "build" / "prod" / "manifests.yaml").read_text())
    (es,) = [d for d in docs if d and d["kind"] == "ExternalSecret"]
    (item,) = es["spec"]["data"]
    # what the operator would do: read remoteRef.key from the store's region into target/secretKey
    assert stored("prod", item["remoteRef"]["key"]) == PASSWORD
    settings = pipeline.prepare(bare_project, "prod").settings
    outputs = naming.outputs(settings)
    assert (es["spec"]["target"]["name"], item["secretKey"]) == (
        outputs["redis_password_secret_name"], outputs["redis_password_secret_key"])


def test_an_explicit_aws_secret_name_is_used_by_both(bare_project: Path, cli, aws: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = bare_project / "environments" / "staging.yaml"
    env_file.write_text(env_file.read_text() + "aws_secret_name: platform/twofa/redis\n")
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    assert cli(bare_project, "secret", "put", "staging").code == 0
    assert stored("staging", "platform/twofa/redis") == PASSWORD
    values = yaml.safe_load((bare_project / "chart" / "values-staging.yaml").read_text())
    assert values["secret"]["external"]["remoteKey"] == "twofa/staging/redis-password"  # not rebuilt yet
    assert cli(bare_project, "build", "staging").code == 0
    values = yaml.safe_load((bare_project / "chart" / "values-staging.yaml").read_text())
    assert values["secret"]["external"]["remoteKey"] == "platform/twofa/redis"


def test_put_refuses_bad_passwords_and_other_modes(bare_project: Path, cli, aws: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "short")
    ran = cli(bare_project, "secret", "put", "staging")
    assert (ran.code, ran.err) == (2, "error: $REDIS_PASSWORD is shorter than 8 characters (the seed's minimum)\n")
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    ran = cli(bare_project, "secret", "put", "dev")
    assert ran.code == 2
    assert "error: dev: secret_mode is render, so no ExternalSecret reads AWS Secrets Manager" in ran.err


def test_put_without_a_variable_or_terminal_explains(bare_project: Path, cli, aws: str) -> None:
    ran = cli(bare_project, "secret", "put", "staging")
    assert ran.code == 2
    assert ran.err == ("error: no password: set $TF_VAR_redis_password or $REDIS_PASSWORD, or run on a terminal "
                       "to be prompted\n")


def test_prompt_on_a_real_terminal_never_echoes(bare_project: Path, aws: str) -> None:
    """`secret put` on a pseudo-terminal: asked twice, stored, and not one character shown."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_PASSWORD", "TF_VAR_redis_password")}
    proc = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(bare_project), "secret", "put",
                             "staging"], stdin=slave, stdout=slave, stderr=slave, env=env,
                            cwd=CHECKOUT, start_new_session=True)
    os.close(slave)
    shown = b""

    def read_until(marker: bytes) -> None:
        nonlocal shown
        deadline = time.monotonic() + 30
        while marker not in shown:
            assert time.monotonic() < deadline, shown
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    shown += os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break

    try:
        read_until(b"Redis password (not echoed): ")
        os.write(master, PASSWORD.encode() + b"\n")
        read_until(b"Again: ")
        os.write(master, PASSWORD.encode() + b"\n")
        read_until(b"created twofa/staging/redis-password")
        assert proc.wait(timeout=30) == 0, shown
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        os.close(master)
    assert PASSWORD.encode() not in shown
    assert stored("staging", "twofa/staging/redis-password") == PASSWORD


def test_an_unreachable_endpoint_is_a_one_line_error(bare_project: Path, cli, aws: str, closed_port: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    ran = cli(bare_project, "secret", "check", "staging")
    assert ran.code == 1
    assert ran.err.startswith("error: cannot read twofa/staging/redis-password in AWS Secrets Manager (us-east-1): "
                              "Could not connect to the endpoint URL")
    assert "Traceback" not in ran.err
