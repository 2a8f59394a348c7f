"""commands/build.py: `build <env>`, what it says it did."""

from __future__ import annotations

from pathlib import Path

from tests.support.project import append


def test_build_says_the_image_the_checks_and_what_it_wrote(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0 and ran.err == "", ran.err
    lines = ran.out.splitlines()
    assert lines[0] == ("dev: ECR 123456789012.dkr.ecr.us-east-1.amazonaws.com/twofa/dev "
                        "(explicit in environments/dev.yaml)")
    assert "dev: settings valid; pulls 1 image:" in lines
    assert "dev:   redis: 123456789012.dkr.ecr.us-east-1.amazonaws.com/twofa/dev:redis-latest" in lines
    assert any(line.startswith("dev: ") and " valid against Kubernetes 1.33 schemas" in line for line in lines)
    assert lines[-1] == ("dev: wrote chart/ (Chart.yaml, values-dev.yaml, values.yaml), argocd/dev.yaml and "
                         "build/dev/manifests.yaml")


def test_build_of_a_disabled_environment_says_so(bare_project: Path, cli) -> None:
    append(bare_project, "staging", "enable_redis: false\n")
    ran = cli(bare_project, "build", "staging")
    assert ran.code == 0, ran.err
    assert "staging: settings valid; enable_redis is false: nothing is deployed" in ran.out.splitlines()
