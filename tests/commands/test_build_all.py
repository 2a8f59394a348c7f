"""`build --all`: every environment, one summary each, nothing written unless all pass; and
what build says per environment: every image it pulls, the Secrets its pod needs."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from tests.support import ha
from tests.support.cli import tree

ENVS = ("dev", "prod", "staging")  # tests/fixtures/environments/


def _clear_outputs(root: Path) -> None:
    for env in ENVS:
        (root / "chart" / f"values-{env}.yaml").unlink()
        (root / "argocd" / f"{env}.yaml").unlink()


def test_build_all_builds_every_environment_with_one_summary_each(bare_project: Path, cli) -> None:
    _clear_outputs(bare_project)
    ran = cli(bare_project, "build", "--all")
    assert ran.code == 0, ran.err
    for env in ENVS:
        assert (bare_project / "chart" / f"values-{env}.yaml").is_file()
        assert (bare_project / "argocd" / f"{env}.yaml").is_file()
        assert (bare_project / "build" / env / "manifests.yaml").is_file()
        assert ran.out.count(f"{env}: wrote chart/ (Chart.yaml, values-{env}.yaml, values.yaml)") == 1
    assert ran.out.rstrip().endswith("built 3 environments: dev, prod, staging")
    # One summary per environment: its lines together (after the ECR lines, said while resolving).
    owners = [line.split(":")[0] for line in ran.out.splitlines()
              if not line.startswith("built") and ": ECR " not in line]
    assert [env for env, _ in itertools.groupby(owners)] == list(ENVS), ran.out
    assert cli(bare_project, "check").code == 0


def test_build_all_writes_the_same_as_building_each(bare_project: Path, tmp_path: Path, cli) -> None:
    other = tmp_path / "each"
    shutil.copytree(bare_project, other, symlinks=True)
    assert cli(bare_project, "build", "--all").code == 0
    for env in ENVS:
        assert cli(other, "build", env).code == 0
    assert tree(bare_project / "chart") == tree(other / "chart")
    assert tree(bare_project / "argocd") == tree(other / "argocd")


def test_one_environment_failing_a_check_writes_nothing_for_any(bare_project: Path, cli) -> None:
    # A template that fails the render of prod only (helm exits 1): a check failure, exit 1.
    (bare_project / "chart" / "templates" / "zz-fail.yaml").write_text(
        '{{- if eq .Values.networkPolicy.backendNamespace "boom" }}{{ fail "prod is broken" }}{{- end }}\n')
    with open(bare_project / "environments" / "prod.yaml", "a", encoding="utf-8") as f:
        f.write("backend_namespace: boom\n")
    with open(bare_project / "environments" / "dev.yaml", "a", encoding="utf-8") as f:
        f.write("monitoring_namespace: observability\n")  # dev alone would build and change its values file
    before = tree(bare_project)
    ran = cli(bare_project, "build", "--all")
    assert ran.code == 1, ran.out + ran.err
    assert "prod is broken" in ran.err
    assert tree(bare_project) == before  # nothing written: not dev's values, not a bundle
    assert cli(bare_project, "build", "dev").code == 0  # dev alone builds, and does change its file
    assert "observability" in (bare_project / "chart" / "values-dev.yaml").read_text()


def test_one_invalid_environment_stops_all_with_every_problem(bare_project: Path, cli) -> None:
    with open(bare_project / "environments" / "dev.yaml", "a", encoding="utf-8") as f:
        f.write("storage_size: 1 GB\n")
    with open(bare_project / "environments" / "staging.yaml", "a", encoding="utf-8") as f:
        f.write("replica_count: many\n")
    before = tree(bare_project)
    ran = cli(bare_project, "build", "--all")
    assert ran.code == 2
    lines = ran.err.splitlines()
    assert any(line.startswith("error: environments/dev.yaml:") and "storage_size" in line for line in lines), lines
    assert any(line.startswith("error: environments/staging.yaml:") and "replica_count" in line for line in lines)
    assert tree(bare_project) == before


@pytest.mark.parametrize(("args", "message"), [
    ((), "error: build: give an environment name, or --all for every environment\n"),
    (("dev", "--all"), "error: build: give one environment name or --all, not both\n"),
])
def test_build_needs_one_environment_or_all(bare_project: Path, cli, args: tuple[str, ...], message: str) -> None:
    ran = cli(bare_project, "build", *args)
    assert (ran.code, ran.err) == (2, message)


def test_build_lists_every_image_it_pulls(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "build", "prod")
    assert ran.code == 0, ran.err
    registry = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/twofa/prod"
    assert (f"prod: settings valid; pulls 2 images:\n"
            f"prod:   redis: {registry}:redis-8.4.0\n"
            f"prod:   redis-exporter: {registry}:redis-exporter-1.76.0\n") in ran.out
    ha.enable(bare_project)
    ran = cli(bare_project, "build", "prod")
    assert ran.code == 0, ran.err
    assert "prod: settings valid; pulls 3 images:" in ran.out
    assert f"prod:   redis-sentinel: {registry}:redis-sentinel-8.4.0\n" in ran.out


def test_build_shows_a_pinned_image_by_digest(bare_project: Path, cli) -> None:
    digest = "sha256:" + "ab" * 32
    with open(bare_project / "environments" / "dev.yaml", "a", encoding="utf-8") as f:
        f.write(f"images:\n  redis:\n    digest: {digest}\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    assert f"dev:   redis: 123456789012.dkr.ecr.us-east-1.amazonaws.com/twofa/dev:redis-latest@{digest}\n" in ran.out


def test_build_names_the_secrets_the_pod_needs(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_PASSWORD", raising=False)
    monkeypatch.delenv("TF_VAR_redis_password", raising=False)
    with open(bare_project / "environments" / "dev.yaml", "a", encoding="utf-8") as f:
        f.write("acl_enabled: true\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    assert ("dev: before the pod can start, Secret redis/redis-secret (key redis-password) must exist: "
            'kubectl -n redis create secret generic redis-secret --from-literal=redis-password="$REDIS_PASSWORD"'
            ) in ran.out
    assert ("dev: before the pod can start, Secret redis/redis-backend-acl (key backend-password, the backend "
            "user's password) must exist: kubectl -n redis create secret generic redis-backend-acl "
            '--from-literal=backend-password="$REDIS_BACKEND_PASSWORD"') in ran.out
    ran = cli(bare_project, "build", "staging")
    assert ("staging: Secret redis/redis-secret comes from the ExternalSecret: store the password once with "
            "`python -m generator secret put staging`") in ran.out


def test_build_all_without_environments(bare_project: Path, cli) -> None:
    for path in (bare_project / "environments").glob("[!_]*.yaml"):
        path.unlink()
    ran = cli(bare_project, "build", "--all")
    assert (ran.code, ran.err) == (2, "error: environments/: no environment files (add environments/<env>.yaml, "
                                      "like dev.yaml)\n")
