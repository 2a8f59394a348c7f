"""`check`: every environment re-rendered in memory and compared with chart/; writes nothing."""

from __future__ import annotations

from pathlib import Path

from generator import pipeline
from tests.conftest import tree


def summary(out: str) -> str:
    """The chart/ verdict: the last line before the policy report (one line per environment)."""
    lines = out.splitlines()
    verdicts = [i for i, line in enumerate(lines) if line.startswith("chart/: ")]
    assert len(verdicts) == 1, out
    rest = lines[verdicts[0] + 1:]
    assert sorted(line.split(": ")[0] for line in rest) == ["dev", "prod", "staging"], out
    assert all(": policy: " in line for line in rest), out
    return lines[verdicts[0]]


def test_up_to_date(bare_project: Path, cli) -> None:
    before = tree(bare_project)
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.err
    assert summary(ran.out) == "chart/: 3 environments, generated files up to date"
    assert tree(bare_project) == before


def test_stale_values_file_shows_a_diff(bare_project: Path, cli) -> None:
    env_file = bare_project / "environments" / "dev.yaml"
    env_file.write_text(env_file.read_text().replace("storage_size: 1Gi", "storage_size: 3Gi"))
    before = tree(bare_project)
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "error: chart/values-dev.yaml: stale; run `python -m generator build dev`:" in ran.err
    assert "--- chart/values-dev.yaml (committed)\n+++ chart/values-dev.yaml (from environments/)\n" in ran.err
    assert "\n-      size: 1Gi\n+      size: 3Gi\n" in ran.err
    assert "values-staging" not in ran.err and "values-prod" not in ran.err
    assert summary(ran.out) == "chart/: 3 environments, generated files STALE"
    assert tree(bare_project) == before


def test_hand_edit_of_a_generated_file_is_caught(project: Path, cli) -> None:
    # The project's own chart_version (the archive's, when one is present), not a literal.
    version = pipeline.prepare(project, "dev").settings.chart_version
    edited = version + "-edited"
    chart_yaml = project / "chart" / "Chart.yaml"
    text = chart_yaml.read_text()
    assert text.count(f'version: "{version}"') == 1, text
    chart_yaml.write_text(text.replace(f'version: "{version}"', f'version: "{edited}"'))
    ran = cli(project, "check")
    assert ran.code == 1
    assert f'-    version: "{edited}"\n+    version: "{version}"\n' in ran.err


def test_values_of_a_removed_environment(bare_project: Path, cli) -> None:
    (bare_project / "environments" / "staging.yaml").unlink()
    before = tree(bare_project)
    ran = cli(bare_project, "check")
    assert ran.code == 1
    # Its Argo CD Application is orphaned too (build writes argocd/<env>.yaml since the GitOps merge).
    assert ran.err == ("error: chart/values-staging.yaml: no environments/staging.yaml produces it; delete it "
                       "(`git rm chart/values-staging.yaml`)\n"
                       "error: argocd/staging.yaml: no environment with argocd settings produces it; delete it "
                       "(`git rm argocd/staging.yaml`)\n")
    assert tree(bare_project) == before


def test_missing_generated_file(bare_project: Path, cli) -> None:
    (bare_project / "chart" / "values-prod.yaml").unlink()
    before = tree(bare_project)
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert ran.err == "error: chart/values-prod.yaml: missing; run `python -m generator build prod`\n"
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


def test_misnamed_environment_files_are_reported(bare_project: Path, cli) -> None:
    envs = bare_project / "environments"
    for name in ("Staging.yaml", "qa.yml", "_comon.yaml"):
        (envs / name).write_text("env: qa\n")
    (envs / "README.md").write_text("notes are fine here\n")
    before = tree(bare_project)
    ran = cli(bare_project, "check")
    assert ran.code == 2
    assert ran.err.splitlines() == [
        "error: environments/Staging.yaml: 'Staging' is not an environment name (lowercase letters, digits "
        "and '-'); rename the file",
        "error: environments/_comon.yaml: only _common.yaml is shared; rename it or merge it there",
        "error: environments/qa.yml: environment files end in .yaml; rename it",
    ]
    assert tree(bare_project) == before


def test_no_environments_at_all(bare_project: Path, cli) -> None:
    for path in (bare_project / "environments").glob("[!_]*.yaml"):
        path.unlink()
    ran = cli(bare_project, "check")
    assert (ran.code, ran.err) == (2, "error: environments/: no environment files "
                                      "(add environments/<env>.yaml, like dev.yaml)\n")
