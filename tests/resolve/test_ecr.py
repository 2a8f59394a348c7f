"""Resolving ecr_registry/ecr_repository (Terraform state, local or S3; STS) and asking ECR
about tags, with boto3 talking to a moto server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import pipeline
from tests.support.aws import ACCOUNT
from tests.support.cli import tree
from tests.support.paths import CHECKOUT

DEV_URL = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/twofa/dev"
EXPLICIT = re.compile(r"^ecr_(registry|repository):.*\n", re.M)


def state(url: object = DEV_URL, output: str = "ecr_url") -> str:
    return json.dumps({"version": 4, "terraform_version": "1.9.8", "serial": 3, "lineage": "test",
                       "outputs": {output: {"value": url, "type": "string"},
                                   "ecr_repository_arn": {"value": "arn:aws:ecr:...", "type": "string"}},
                       "resources": []})


def use_source(project: Path, source: str, env: str = "dev") -> Path:
    """Drop the explicit ecr_* values of an environment and name a source instead."""
    path = project / "environments" / f"{env}.yaml"
    path.write_text(EXPLICIT.sub("", path.read_text()) + source)
    return path


@pytest.fixture
def s3_state(aws: str) -> Iterator[object]:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="backend-infra-state")
    s3.put_object(Bucket="backend-infra-state", Key="backend_infra/terraform.tfstate", Body=state().encode())
    yield s3


S3_SOURCE = ("ecr_source:\n  terraform_state:\n    bucket: backend-infra-state\n"
             "    key: backend_infra/terraform.tfstate\n    region: us-east-1\n")


def test_build_from_local_state_resolves_the_explicit_url(bare_project: Path, cli) -> None:
    committed = (bare_project / "chart" / "values-dev.yaml").read_bytes()
    (bare_project / "backend.tfstate").write_text(state())
    use_source(bare_project, "ecr_source:\n  terraform_state:\n    path: backend.tfstate\n")

    ran = cli(bare_project, "build", "dev")

    assert ran.code == 0, ran.err
    assert f"dev: ECR {DEV_URL} (Terraform state backend.tfstate, output ecr_url)" in ran.out
    assert (bare_project / "chart" / "values-dev.yaml").read_bytes() == committed


def test_build_from_s3_state_resolves_the_explicit_url(bare_project: Path, cli, s3_state: object) -> None:
    committed = (bare_project / "chart" / "values-dev.yaml").read_bytes()
    use_source(bare_project, S3_SOURCE)

    ran = cli(bare_project, "build", "dev")

    assert ran.code == 0, ran.err
    assert "(Terraform state s3://backend-infra-state/backend_infra/terraform.tfstate (us-east-1)" in ran.out
    assert (bare_project / "chart" / "values-dev.yaml").read_bytes() == committed


def test_build_from_sts_account(bare_project: Path, cli, aws: str) -> None:
    committed = (bare_project / "chart" / "values-dev.yaml").read_bytes()
    use_source(bare_project, "ecr_source:\n  aws_account:\n    repository: twofa/dev\n")

    ran = cli(bare_project, "build", "dev")

    assert ran.code == 0, ran.err
    assert f"dev: ECR {DEV_URL} (AWS account {ACCOUNT} (STS))" in ran.out
    assert (bare_project / "chart" / "values-dev.yaml").read_bytes() == committed


def test_explicit_values_win_field_by_field(bare_project: Path, aws: str) -> None:
    (bare_project / "backend.tfstate").write_text(state())
    path = use_source(bare_project, "ecr_source:\n  terraform_state:\n    path: backend.tfstate\n")
    path.write_text(path.read_text() + "ecr_repository: twofa/other\n")

    prepared = pipeline.prepare(bare_project, "dev")

    assert (prepared.settings.ecr_registry, prepared.settings.ecr_repository) == (
        f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com", "twofa/other")


@pytest.mark.parametrize(("setup", "expected"), [
    ("no-credentials", "reading s3://backend-infra-state/backend_infra/terraform.tfstate in us-east-1: "
                       "no AWS credentials found"),
    ("no-bucket", "bucket 'backend-infra-state' does not exist"),
    ("no-key", "no object 'backend_infra/terraform.tfstate' in bucket 'backend-infra-state'"),
    ("no-output", "the state has no output 'ecr_url' (outputs: ecr_repository_arn, registry_url)"),
    ("not-ecr", "'ghcr.io/twofa/dev' is not an ECR URL"),
    ("other-region", "is in region 'eu-west-1' but the environment's region is 'us-east-1'"),
    ("access-denied", "access denied (AccessDenied: Access Denied)"),
])
def test_resolution_errors_say_what_was_tried_and_why(bare_project: Path, cli, aws: str,
                                                       monkeypatch: pytest.MonkeyPatch, setup: str,
                                                       expected: str) -> None:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    body = {"no-output": state(output="registry_url"), "not-ecr": state("ghcr.io/twofa/dev"),
            "other-region": state(f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/twofa/dev")}.get(setup, state())
    if setup != "no-bucket":
        s3.create_bucket(Bucket="backend-infra-state")
        if setup != "no-key":
            s3.put_object(Bucket="backend-infra-state", Key="backend_infra/terraform.tfstate", Body=body.encode())
    if setup == "no-credentials":
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    if setup == "access-denied":  # a real IAM user without any policy, with moto enforcing IAM
        import moto.settings

        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="nobody")
        key = iam.create_access_key(UserName="nobody")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    use_source(bare_project, S3_SOURCE)
    before = tree(bare_project)

    ran = cli(bare_project, "build", "dev")

    assert ran.code == 2
    assert ran.err.startswith("error: environments/dev.yaml:")
    assert "ecr_source.terraform_state: " in ran.err
    assert expected in ran.err
    assert len(ran.err.strip().splitlines()) == 1
    assert "Traceback" not in ran.err and "test-secret-key" not in ran.err
    assert tree(bare_project) == before


def test_local_state_errors(bare_project: Path, cli) -> None:
    use_source(bare_project, "ecr_source:\n  terraform_state:\n    path: missing.tfstate\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "ecr_source.terraform_state: missing.tfstate: no such file" in ran.err
    (bare_project / "missing.tfstate").write_text("not json")
    ran = cli(bare_project, "build", "dev")
    assert "Terraform state missing.tfstate: not JSON; not a Terraform state" in ran.err


def test_sts_without_credentials(bare_project: Path, cli, no_credentials: str) -> None:
    use_source(bare_project, "ecr_source:\n  aws_account:\n    repository: twofa/dev\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "ecr_source.aws_account: asking STS for the current account: no AWS credentials found" in ran.err


def test_schema_requires_values_or_a_source(bare_project: Path, cli) -> None:
    use_source(bare_project, "")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert ("missing required setting 'ecr_registry' (or name its source in ecr_source: terraform_state or "
            "aws_account)") in ran.err
    use_source(bare_project, "ecr_source:\n  terraform_state:\n    path: x\n    bucket: b-b-b\n    key: k\n")
    ran = cli(bare_project, "build", "dev")
    assert "ecr_source.terraform_state: " in ran.err and "either path (a local terraform.tfstate) or bucket" in ran.err


def test_explicit_build_never_imports_boto3(bare_project: Path) -> None:
    code = ("import sys; from generator.cli import main; rc = main(['--root', sys.argv[1], 'build', 'dev']); "
            "assert rc == 0; assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'imported'")
    run = subprocess.run([sys.executable, "-c", code, str(bare_project)], cwd=CHECKOUT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
