"""The three ways the password reaches the cluster, end to end through `build`."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
import yaml

from generator.check import manifests
from tests.support.cli import tree
from tests.support.project import bundle

PASSWORD = "Otp-redis-Pa55word"


def set_mode(root: Path, env: str, mode: str) -> None:
    path = root / "environments" / f"{env}.yaml"
    lines = [line for line in path.read_text().splitlines() if not line.startswith("secret_mode:")]
    path.write_text("\n".join([*lines, f"secret_mode: {mode}", ""]))


def everything(root: Path) -> bytes:
    return b"\n".join(tree(root).values())


@pytest.mark.parametrize("mode", ["existing", "external"])
def test_gitops_modes_never_write_the_password(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch,
                                               mode: str) -> None:
    set_mode(bare_project, "dev", mode)
    monkeypatch.setenv("TF_VAR_redis_password", PASSWORD)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    assert f"dev: secret_mode {mode}: the password variable is ignored and written nowhere" in ran.out
    kinds = [o["kind"] for o in bundle(bare_project, "dev")]
    assert "Secret" not in kinds
    assert ("ExternalSecret" in kinds) == (mode == "external")
    for form in (PASSWORD.encode(), base64.b64encode(PASSWORD.encode())):
        assert form not in everything(bare_project)
    assert PASSWORD not in ran.out + ran.err


def test_external_mode_renders_the_external_secret_with_its_defaults(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "build", "staging")
    assert ran.code == 0, ran.err
    assert "1 of them a custom resource against schemas/crds/" in ran.out
    (es,) = [o for o in bundle(bare_project, "staging") if o["kind"] == "ExternalSecret"]
    assert es["apiVersion"] == "external-secrets.io/v1"
    assert es["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "-1"}
    assert es["spec"] == {
        "refreshInterval": "1h",
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"},
        "target": {"name": "redis-secret", "creationPolicy": "Owner", "deletionPolicy": "Retain"},
        "data": [{"secretKey": "redis-password", "remoteRef": {
            "key": "twofa/staging/redis-password", "conversionStrategy": "Default", "decodingStrategy": "None",
            "metadataPolicy": "None"}}],
    }


def test_render_mode_puts_the_secret_in_the_bundle_only(bare_project: Path, cli,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    set_mode(bare_project, "dev", "render")
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    path = bare_project / "build" / "dev" / "manifests.yaml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    objects = bundle(bare_project, "dev")
    assert objects[0] == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "redis", "labels": {
        "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/warn": "restricted"}}}
    summary = manifests.validate(objects, "1.33")
    assert summary.errors == () and summary.validated == len(objects)
    (secret,) = [o for o in objects if o["kind"] == "Secret"]
    assert secret["metadata"] == {"name": "redis-secret", "namespace": "redis", "labels": secret["metadata"]["labels"]}
    assert base64.b64decode(secret["data"]["redis-password"]).decode() == PASSWORD
    assert (bare_project / "build" / ".gitignore").read_text() == "*\n"
    outside = {k: v for k, v in tree(bare_project).items() if not k.startswith("build/")}
    for form in (PASSWORD.encode(), base64.b64encode(PASSWORD.encode())):
        assert not [k for k, v in outside.items() if form in v]
    assert PASSWORD not in ran.out + ran.err
    assert cli(bare_project, "check").code == 0  # chart/ and argocd/ hold no trace of it


def test_render_mode_without_the_password_uses_the_existing_secret(
    bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_mode(bare_project, "dev", "render")
    monkeypatch.delenv("REDIS_PASSWORD", raising=False)
    monkeypatch.delenv("TF_VAR_redis_password", raising=False)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    assert ("dev: secret_mode render: no password in $TF_VAR_redis_password or $REDIS_PASSWORD, so no Secret "
            "in the bundle; Redis uses the existing Secret redis-secret") in ran.out
    bundle = (bare_project / "build" / "dev" / "manifests.yaml").read_text()
    kinds = [d["kind"] for d in yaml.safe_load_all(bundle) if d]
    assert "Secret" not in kinds and "NetworkPolicy" in kinds


def test_render_mode_refuses_a_short_password(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    set_mode(bare_project, "dev", "render")
    monkeypatch.setenv("TF_VAR_redis_password", "short")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "error: $TF_VAR_redis_password is shorter than 8 characters" in ran.err
    assert "short" not in ran.err.replace("shorter", "")


def test_unknown_mode_is_a_validation_error(bare_project: Path, cli) -> None:
    set_mode(bare_project, "dev", "vault")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "secret_mode: 'vault' is not one of: existing, external, render" in ran.err
