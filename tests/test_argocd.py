"""argocd/<env>.yaml: what it says, that it validates, that check keeps it fresh, and that its
names agree with `outputs` and with the objects the chart renders."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import pipeline
from generator.check import crds, manifests
from generator.core import names as naming
from generator.core.settings import ArgoCD
from generator.render import argocd
from generator.validate import schema

ENVS = ("dev", "staging", "prod")  # the tests' own project (tests/fixtures/)


def application(root: Path, env: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((root / "argocd" / f"{env}.yaml").read_text())
    return loaded


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


def test_schema_defaults_are_the_dataclass_defaults() -> None:
    documented = schema.load_schema()["properties"]["argocd"]["properties"]
    for f in dataclasses.fields(ArgoCD):
        if f.default is not dataclasses.MISSING:
            assert documented[f.name]["default"] == f.default, f.name
    assert set(documented) == {f.name for f in dataclasses.fields(ArgoCD)}


@pytest.mark.parametrize(("path", "value", "expected"), [
    (("spec", "syncPolicy", "automated", "selfheal"), True, "Additional properties are not allowed ('selfheal'"),
    (("spec", "source", "helm", "releaseName"), "Redis_Master", "does not match"),
    (("spec", "destination", "server"), "http://insecure", "does not match"),
    (("metadata", "namespace"), None, "None is not of type 'string'"),
])
def test_project_schema_refuses_a_broken_application(
    fixture_root: Path, path: tuple[str, ...], value: object, expected: str
) -> None:
    app = application(fixture_root, "dev")
    node = app
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    found = crds.errors(app)
    assert found and expected in found[0], found
    summary = manifests.validate([app], "1.33")
    assert summary.custom == 1 and summary.errors


def test_validation_counts_custom_resources_and_skips_unknown_kinds(fixture_root: Path) -> None:
    app = application(fixture_root, "dev")
    unknown = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "x"}}
    summary = manifests.validate([app, unknown], "1.33")
    assert (summary.validated, summary.custom, summary.skipped) == (1, 1, ("ServiceMonitor",))
    assert "1 of them a custom resource against schemas/crds/, 1 skipped (ServiceMonitor)" in summary.line("dev")


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


def test_a_repo_url_that_is_not_git_is_refused(bare_project: Path, cli) -> None:
    common = bare_project / "environments" / "_common.yaml"
    common.write_text(common.read_text().replace("https://git.example.com/", "ftp://git.example.com/"))
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "argocd.repo_url: 'ftp://git.example.com/platform/twofa-redis.git' is not a git URL" in ran.err


# --- names agree: outputs, Application, rendered objects -----------------------------------

def _names(root: Path, env: str) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    prepared = pipeline.prepare(root, env)
    (result,) = pipeline.render_checked(root, [prepared.settings], [prepared.env.file])
    return naming.outputs(prepared.settings), application(root, env), result.objects


def _find(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


@pytest.mark.parametrize("env", ENVS)
def test_names_agree_without_the_subchart(bare_project: Path, env: str) -> None:
    outputs, app, objects = _names(bare_project, env)
    assert app["spec"]["destination"]["namespace"] == outputs["redis_namespace"] == "redis"
    assert {o["metadata"]["namespace"] for o in objects} == {outputs["redis_namespace"]}
    assert outputs["redis_host"] == "redis-master.redis.svc.cluster.local"
    assert app["spec"]["source"]["helm"]["releaseName"] == "redis"
    (policy,) = _find(objects, "NetworkPolicy")
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "redis"
    external = _find(objects, "ExternalSecret")
    settings = pipeline.prepare(bare_project, env).settings
    if settings.secret_mode == "external":
        (es,) = external
        assert es["metadata"]["name"] == es["spec"]["target"]["name"] == outputs["redis_password_secret_name"]
        assert es["spec"]["data"][0]["secretKey"] == outputs["redis_password_secret_key"]
        assert es["spec"]["data"][0]["remoteRef"]["key"] == naming.aws_secret_name(settings)
    else:
        assert external == []


@pytest.mark.subchart
@pytest.mark.parametrize("env", ENVS)
def test_names_agree_with_the_bitnami_objects(with_subchart: Path, env: str) -> None:
    outputs, app, objects = _names(with_subchart, env)
    host = outputs["redis_host"]
    service = host.split(".")[0]
    services = {o["metadata"]["name"]: o for o in _find(objects, "Service")}
    assert service in services, sorted(services)
    assert host == f"{service}.{app['spec']['destination']['namespace']}.svc.cluster.local"
    port = services[service]["spec"]["ports"][0]
    assert (port["name"], port["port"]) == ("tcp-redis", outputs["redis_port"])
    (sts,) = _find(objects, "StatefulSet")
    assert f"{sts['metadata']['name']}-0" == "redis-master-0"  # the seed's `kubectl exec ... redis-master-0`
    volumes = json.dumps(sts["spec"]["template"]["spec"]["volumes"])
    assert f'"secretName": "{outputs["redis_password_secret_name"]}"' in volumes
    assert outputs["redis_password_secret_key"] in volumes
    assert {o["metadata"].get("namespace") for o in objects} == {outputs["redis_namespace"]}


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
