"""check/drift.py: chart/ and argocd/ as the environments produce them, or `check` says what is stale
and how to fix it."""

from __future__ import annotations

from pathlib import Path

from generator import pipeline
from generator.check import drift
from generator.render import values
from tests.support.cli import tree
from tests.support.project import check_verdict


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
    assert check_verdict(ran.out) == "chart/: 3 environments, generated files STALE"
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


def test_build_writes_the_application_and_check_catches_staleness(bare_project: Path, cli) -> None:
    built = (bare_project / "argocd" / "dev.yaml").read_bytes()  # what the project's own build wrote
    (bare_project / "argocd" / "dev.yaml").unlink()
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    wrote = "dev: wrote chart/ (Chart.yaml, values-dev.yaml, values.yaml), argocd/dev.yaml and build/dev/manifests.yaml"
    assert wrote in ran.out
    assert (bare_project / "argocd" / "dev.yaml").read_bytes() == built
    assert not [p for p in (bare_project / "argocd").iterdir() if p.name.startswith(".")]  # no temp file left

    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.err
    assert "argocd/: 3 Applications validated against schemas/crds/, up to date" in ran.out

    path = bare_project / "argocd" / "prod.yaml"
    path.write_text(path.read_text().replace("namespace: redis", "namespace: default"))
    (bare_project / "argocd" / "old.yaml").write_text("kind: Application\n")
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "error: argocd/prod.yaml: stale; run `python -m generator build prod`" in ran.err
    assert "-    namespace: default\n+    namespace: redis" in ran.err
    assert "error: argocd/old.yaml: no environment with argocd settings produces it; delete it" in ran.err


def test_a_stale_shared_values_file_fails_check(bare_project: Path, cli) -> None:
    """chart/values.yaml is the generator's static file: an edit, or a copy older than the generator,
    fails check (scripts/test ends with check on the checkout, so the committed one is held to it)."""
    shared = bare_project / "chart" / "values.yaml"
    assert shared.read_text() == values.shared_text()
    shared.write_text(shared.read_text().replace("redis: 6379", "redis: 6380", 1))
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "error: chart/values.yaml: stale; run `python -m generator build --all`:" in ran.err
    assert "-      redis: 6380\n+      redis: 6379\n" in ran.err


def test_chart_drift_compares_every_generated_file(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("same\n")
    (chart / "values.yaml").write_text("old\n")
    (chart / "values-gone.yaml").write_text("x\n")
    expected = {"Chart.yaml": "same\n", "values.yaml": "new\n", "values-dev.yaml": "dev\n"}
    assert drift.chart_drift(chart, expected) == [
        "error: chart/values-dev.yaml: missing; run `python -m generator build dev`",
        "error: chart/values-gone.yaml: no environments/gone.yaml produces it; delete it "
        "(`git rm chart/values-gone.yaml`)",
        "error: chart/values.yaml: stale; run `python -m generator build --all`:\n"
        "--- chart/values.yaml (committed)\n+++ chart/values.yaml (from environments/)\n@@ -1 +1 @@\n-old\n+new\n",
    ]
