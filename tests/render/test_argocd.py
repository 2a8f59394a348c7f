"""render/argocd.py: argocd/<env>.yaml, what it says and which settings it refuses (its schema:
tests/check/test_crds.py; kept fresh by check: tests/check/test_drift.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import pipeline
from generator.check import crds
from generator.render import argocd
from tests.support.project import application

ENVS = ("dev", "staging", "prod")  # the tests' own project (tests/fixtures/)


@pytest.mark.parametrize("env", ENVS)
def test_generated_application_says_what_the_build_renders(fixture_root: Path, env: str) -> None:
    settings = pipeline.prepare(fixture_root, env).settings
    app = application(fixture_root, env)
    assert crds.errors(app) == []
    assert app["metadata"] == {
        "name": f"twofa-redis-{env}", "namespace": "argocd",
        "labels": {"app.kubernetes.io/part-of": "twofa", "twofa-redis/environment": env},
        "finalizers": ["resources-finalizer.argocd.argoproj.io"],
    }
    source = app["spec"]["source"]
    assert source["path"] == "chart"
    assert source["helm"] == {
        "releaseName": "redis", "valueFiles": [f"values-{env}.yaml"], "kubeVersion": settings.kube_version,
        "skipCrds": False, "apiVersions": list(settings.api_versions),
    }
    assert (fixture_root / "chart" / f"values-{env}.yaml").exists()
    assert settings.argocd is not None
    assert app["spec"]["destination"] == {"server": settings.argocd.destination_server, "namespace": "redis"}
    sync = app["spec"]["syncPolicy"]
    assert sync["syncOptions"] == ["CreateNamespace=true"]
    assert sync["managedNamespaceMetadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_sync_policy_follows_each_environment(fixture_root: Path) -> None:
    automated = {"prune": True, "selfHeal": True}
    assert application(fixture_root, "dev")["spec"]["syncPolicy"]["automated"] == automated
    assert application(fixture_root, "staging")["spec"]["syncPolicy"]["automated"] == automated
    assert "automated" not in application(fixture_root, "prod")["spec"]["syncPolicy"]  # a person syncs prod


def test_a_repo_url_that_is_not_git_is_refused(bare_project: Path, cli) -> None:
    common = bare_project / "environments" / "_common.yaml"
    common.write_text(common.read_text().replace("https://git.example.com/", "ftp://git.example.com/"))
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "argocd.repo_url: 'ftp://git.example.com/platform/twofa-redis.git' is not a git URL" in ran.err


# --- names agree: outputs, Application, rendered objects -----------------------------------


def test_without_argocd_settings_there_is_no_application(bare_project: Path, cli) -> None:
    common = bare_project / "environments" / "_common.yaml"
    text = common.read_text()
    common.write_text(text[: text.index("argocd:")])
    for env in ENVS:
        env_file = bare_project / "environments" / f"{env}.yaml"
        lines = env_file.read_text().splitlines()
        if "argocd:" in lines:
            env_file.write_text("\n".join(lines[: lines.index("argocd:")]) + "\n")
    settings = pipeline.prepare(bare_project, "dev").settings
    assert settings.argocd is None and argocd.files(settings, "environments/dev.yaml") == {}
    assert cli(bare_project, "build", "dev").code == 0
    assert not (bare_project / argocd.file_name("dev")).exists()
    ran = cli(bare_project, "check")
    assert ran.code == 1  # staging and prod still have committed Applications nothing produces
    assert "error: argocd/prod.yaml: no environment with argocd settings produces it; delete it" in ran.err


def test_prune_without_automated_sync_is_refused(bare_project: Path, cli) -> None:
    prod = bare_project / "environments" / "prod.yaml"
    prod.write_text(prod.read_text() + "argocd:\n  prune: true\n")
    before = (bare_project / "argocd" / "prod.yaml").read_bytes()
    ran = cli(bare_project, "build", "prod")
    assert ran.code == 2
    assert ran.err == ("error: environments/prod.yaml: argocd.prune: takes effect only with argocd.automated: true "
                       "(Argo CD ignores it otherwise); set that, or remove this\n")
    assert (bare_project / "argocd" / "prod.yaml").read_bytes() == before
