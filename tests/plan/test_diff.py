"""`diff <env>`: an object diff against the last commit, for pull request reviews."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.plan import diff as objdiff
from tests.support.project import commit_all


def changed_lines(text: str) -> list[str]:
    return [line for line in text.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def edit(root: Path, env: str, old: str, new: str) -> None:
    path = root / "environments" / f"{env}.yaml"
    text = path.read_text()
    path.write_text(text.replace(old, new) if old else text + new + "\n")


def test_a_one_field_change_is_a_one_line_object_diff(bare_project: Path, cli) -> None:
    commit_all(bare_project)
    edit(bare_project, "prod", "", "backend_namespace: otp-backend")
    ran = cli(bare_project, "diff", "prod")
    assert ran.code == 0, ran.err
    assert ran.out.startswith("--- a/networking.k8s.io/v1/NetworkPolicy/redis/redis-backend-access\n"
                              "+++ b/networking.k8s.io/v1/NetworkPolicy/redis/redis-backend-access\n")
    assert changed_lines(ran.out) == ["-          kubernetes.io/metadata.name: twofa-backend",
                                      "+          kubernetes.io/metadata.name: otp-backend"]
    # compared with the commit, not with chart/ on disk: building first changes nothing
    assert cli(bare_project, "build", "prod").code == 0
    assert cli(bare_project, "diff", "prod").out == ran.out


@pytest.mark.subchart
def test_storage_size_is_one_line_in_the_statefulset(with_subchart: Path, cli) -> None:
    commit_all(with_subchart)
    edit(with_subchart, "dev", "storage_size: 1Gi", "storage_size: 5Gi")
    ran = cli(with_subchart, "diff", "dev")
    assert ran.code == 0, ran.err
    assert "--- a/apps/v1/StatefulSet/redis/redis-master\n" in ran.out
    assert changed_lines(ran.out) == ["-          storage: 1Gi", "+          storage: 5Gi"]


def test_a_mode_change_shows_whole_objects_appearing(bare_project: Path, cli) -> None:
    commit_all(bare_project)
    edit(bare_project, "staging", "secret_mode: external", "secret_mode: existing")
    ran = cli(bare_project, "diff", "staging")
    assert ran.out.startswith("--- a/external-secrets.io/v1/ExternalSecret/redis/redis-secret\n+++ /dev/null\n")
    assert all(line.startswith("-") for line in changed_lines(ran.out))


def test_secret_data_is_masked_and_a_change_still_shows() -> None:
    def secret(value: str) -> dict[str, object]:
        return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "redis"},
                "data": {"redis-password": value}}

    key = ("v1", "Secret", "redis", "s")
    same = objdiff.diff({key: secret("b2xkLXBhc3N3b3Jk")}, {key: secret("b2xkLXBhc3N3b3Jk")})
    assert same == ""
    text = objdiff.diff({key: secret("b2xkLXBhc3N3b3Jk")}, {key: secret("bmV3LXBhc3N3b3Jk")})
    assert changed_lines(text) == ["-  redis-password: (masked)", "+  redis-password: (masked), changed"]
    added = objdiff.diff({}, {key: secret("bmV3LXBhc3N3b3Jk")})
    assert "bmV3" not in added and "+  redis-password: (masked)" in added


def test_outside_git_it_explains(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "diff", "dev")
    assert ran.code == 2
    assert ran.err == (f"error: diff compares with the last commit, but {bare_project} is not in a git "
                       "repository\n")


def test_a_new_environment_is_all_additions(bare_project: Path, cli) -> None:
    commit_all(bare_project)
    (bare_project / "environments" / "qa.yaml").write_text(
        (bare_project / "environments" / "dev.yaml").read_text().replace("env: dev", "env: qa"))
    ran = cli(bare_project, "diff", "qa")
    assert ran.code == 0, ran.err
    assert "--- /dev/null\n+++ b/networking.k8s.io/v1/NetworkPolicy/redis/redis-backend-access\n" in ran.out
    assert all(line.startswith("+") for line in changed_lines(ran.out))


def test_a_sync_policy_change_is_a_diff_of_the_application(bare_project: Path, cli) -> None:
    commit_all(bare_project)
    edit(bare_project, "prod", "", "argocd:\n  automated: true")
    ran = cli(bare_project, "diff", "prod")
    assert ran.code == 0, ran.err
    assert ran.out.startswith("--- a/argoproj.io/v1alpha1/Application/argocd/twofa-redis-prod\n")
    assert changed_lines(ran.out) == ["+    automated:", "+      prune: false", "+      selfHeal: false"]
