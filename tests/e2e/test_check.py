"""`check`: every environment re-rendered in memory and compared with chart/; writes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import tree
from tests.support.project import check_verdict


def test_up_to_date(bare_project: Path, cli) -> None:
    before = tree(bare_project)
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.err
    assert check_verdict(ran.out) == "chart/: 3 environments, generated files up to date"
    assert tree(bare_project) == before


def test_bad_settings_anywhere_fail_check(bare_project: Path, cli) -> None:
    (bare_project / "environments" / "prod.yaml").write_text("env: prod\nregion: eu-west-1\nstorage_size: 1 GB\n")
    ran = cli(bare_project, "check")
    assert ran.code == 2
    assert "error: environments/prod.yaml:3: storage_size: '1 GB' is not a Kubernetes quantity" in ran.err
    assert "error: environments/prod.yaml: missing required setting 'ecr_registry'" in ran.err


def test_require_subchart_without_archive(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "check", "--require-subchart")
    assert ran.code == 1
    assert "no redis chart archive in chart/charts/" in ran.err


def test_check_with_subchart(with_subchart: Path, cli) -> None:
    ran = cli(with_subchart, "check", "--require-subchart")
    assert ran.code == 0, ran.err
    assert "dev: 9 objects valid against Kubernetes 1.33 schemas" in ran.out


def test_helm_failure_fails_check(bare_project: Path, cli, monkeypatch, tmp_path: Path) -> None:
    fake = tmp_path / "helm"
    fake.write_text("#!/bin/sh\necho \"Error: lint found a problem in $1\" >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("HELM", str(fake))
    before = tree(bare_project)
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert ran.err.startswith(f"error: helm failed (exit 1): {fake} ")
    assert ": Error: lint found a problem in " in ran.err
    assert tree(bare_project) == before


def test_check_lints_the_chart(bare_project: Path, cli) -> None:
    """helm lint runs once per check: a chart-level problem only lint reports fails it."""
    # helm template renders this happily, and the JSON schema has no rule for names; lint does.
    (bare_project / "chart" / "templates" / "odd.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Name\n")
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "error: helm failed (exit 1): " in ran.err and " lint " in ran.err
    assert "Not_A_Name" in ran.err


def test_no_environments_at_all(bare_project: Path, cli) -> None:
    for path in (bare_project / "environments").glob("[!_]*.yaml"):
        path.unlink()
    ran = cli(bare_project, "check")
    assert (ran.code, ran.err) == (2, "error: environments/: no environment files "
                                      "(add environments/<env>.yaml, like dev.yaml)\n")
