"""The seed's promises, checked on the objects the real helm renders (build/<env>/manifests.yaml).

`bare_project` renders our own templates (what CI has); `with_subchart` renders the full chart
with the real Bitnami archive and skips, saying why, without it.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import pipeline
from generator.check import renders
from generator.core import names as naming
from generator.core import passwords
from tests.support.cli import tree
from tests.support.project import application, built, containers, of_kind, one, set_settings

ENVS = ("dev", "staging", "prod")  # the tests' own project (tests/fixtures/)
PASSWORD = "correct-horse-battery"
Objects = list[dict[str, Any]]


def settings_of(root: Path, env: str = "dev") -> Any:
    return pipeline.prepare(root, env).settings


# --- our templates: NetworkPolicy and Secret (no archive needed) ---------------------------------


def test_network_policy_admits_only_the_backend_and_dns(bare_project: Path, cli) -> None:
    objects = built(bare_project, cli)
    policy = one(objects, "NetworkPolicy")
    s = settings_of(bare_project)
    assert policy["metadata"]["name"] == naming.network_policy(s)
    assert policy["metadata"]["namespace"] == s.namespace
    assert policy["spec"]["podSelector"] == {"matchLabels": {
        "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": s.release_name}}
    assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert policy["spec"]["ingress"] == [{
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "twofa-backend"}}}],
        "ports": [{"protocol": "TCP", "port": 6379}],
    }]
    (egress,) = policy["spec"]["egress"]
    assert sorted((p["protocol"], p["port"]) for p in egress["ports"]) == [("TCP", 53), ("UDP", 53)]
    (to,) = egress["to"]
    assert to["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}


def test_network_policy_admits_monitoring_on_the_exporter_port_when_metrics_on(bare_project: Path, cli) -> None:
    set_settings(bare_project, "dev", metrics_enabled=True, monitoring_namespace="observability",
                 backend_namespace="ldap-2fa")
    policy = one(built(bare_project, cli), "NetworkPolicy")
    rules = {(r["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
              tuple((p["protocol"], p["port"]) for p in r["ports"])) for r in policy["spec"]["ingress"]}
    assert rules == {("ldap-2fa", (("TCP", 6379),)), ("observability", (("TCP", 9121),))}


def test_no_secret_without_a_password(bare_project: Path, cli) -> None:
    assert of_kind(built(bare_project, cli), "Secret") == []


@pytest.mark.parametrize("variable", passwords.PASSWORD_VARIABLES)
def test_secret_only_in_the_bundle_when_a_password_is_given(
    bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, PASSWORD)
    set_settings(bare_project, "dev", secret_name="otp-redis-password", secret_mode="render")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    bundle = bare_project / "build" / "dev" / "manifests.yaml"
    assert bundle.stat().st_mode & 0o777 == 0o600
    assert (bundle.parent.stat().st_mode & 0o077) == 0, "build/<env>/ is readable by others"
    secret = one([d for d in yaml.safe_load_all(bundle.read_text()) if d], "Secret")
    assert secret["metadata"]["name"] == "otp-redis-password"
    assert secret["metadata"]["namespace"] == "redis"
    assert base64.b64decode(secret["data"][naming.PASSWORD_KEY]).decode() == PASSWORD
    # Nowhere else: not in chart/, environments/, the output, or the ignore rules' reach.
    encoded = base64.b64encode(PASSWORD.encode())
    for rel, data in tree(bare_project).items():
        if rel != "build/dev/manifests.yaml":
            assert PASSWORD.encode() not in data and encoded not in data, rel
    assert PASSWORD not in ran.out + ran.err
    assert (bare_project / "build" / ".gitignore").read_text() == "*\n"


@pytest.mark.parametrize("password", ['q"u\'o te$HOME {{ .Values }}', " spaced out ", "ünïcødé-pässwörd", "#!:&*[]{}"])
def test_any_password_reaches_the_secret_verbatim(
    bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", password)
    set_settings(bare_project, "dev", secret_mode="render")
    secret = one(built(bare_project, cli), "Secret")
    assert base64.b64decode(secret["data"][naming.PASSWORD_KEY]).decode() == password


def test_disabled_environment_renders_nothing(bare_project: Path, cli) -> None:
    set_settings(bare_project, "dev", enable_redis=False)
    assert built(bare_project, cli) == []
    out = cli(bare_project, "outputs", "dev")
    assert json.loads(out.out)["redis_enabled"] is False


# --- the full chart, with the real Bitnami archive ------------------------------------------------


def test_standalone_one_master_no_replicas(with_subchart: Path, cli) -> None:
    objects = built(with_subchart, cli)
    sts = one(objects, "StatefulSet")
    assert sts["metadata"]["name"] == "redis-master"
    assert sts["spec"]["replicas"] == 1
    assert of_kind(objects, "Deployment") == [] and of_kind(objects, "DaemonSet") == []
    names = {o["metadata"]["name"] for o in objects}
    assert not any("replica" in n or "sentinel" in n or n.endswith("-node") for n in names), names


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_image_comes_from_ecr(with_subchart: Path, cli, env: str) -> None:
    objects = built(with_subchart, cli, env)
    s = settings_of(with_subchart, env)
    base = f"{s.ecr_registry}/{s.ecr_repository}"
    images = {c["name"]: c["image"] for c in containers(objects)}
    expected = {"redis": f"{base}:{s.image_tag}"}
    if s.metrics_enabled:
        expected["metrics"] = f"{base}:{s.metrics_image_tag}"
    assert images == expected


def test_exporter_only_when_metrics_enabled(with_subchart: Path, cli) -> None:
    assert [c["name"] for c in containers(built(with_subchart, cli))] == ["redis"]
    set_settings(with_subchart, "dev", metrics_enabled=True)
    objects = built(with_subchart, cli)
    assert [c["name"] for c in containers(objects)] == ["redis", "metrics"]
    assert "redis-metrics" in {o["metadata"]["name"] for o in of_kind(objects, "Service")}


def test_auth_reads_the_existing_secret(with_subchart: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    set_settings(with_subchart, "dev", secret_name="otp-secret")
    objects = built(with_subchart, cli)
    assert of_kind(objects, "Secret") == [], "Bitnami rendered a Secret (a random password)"
    sts = one(objects, "StatefulSet")
    pod = sts["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["redis-password"]["secret"]["secretName"] == "otp-secret"
    assert volumes["redis-password"]["secret"]["items"] == [{"key": "redis-password", "path": "redis-password"}]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["ALLOW_EMPTY_PASSWORD"] == "no"
    assert env["REDIS_PASSWORD_FILE"] == "/opt/bitnami/redis/secrets/redis-password"
    # With a password at build time, ours is the only Secret, named as the pods expect.
    monkeypatch.setenv("TF_VAR_redis_password", PASSWORD)
    set_settings(with_subchart, "dev", secret_mode="render")
    secret = one(built(with_subchart, cli), "Secret")
    assert secret["metadata"]["name"] == "otp-secret"
    assert list(secret["data"]) == ["redis-password"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_services_are_cluster_ip_only(with_subchart: Path, cli, env: str) -> None:
    services = of_kind(built(with_subchart, cli, env), "Service")
    assert services
    for svc in services:
        assert svc["spec"]["type"] == "ClusterIP", svc["metadata"]["name"]
        assert not svc["spec"].get("externalIPs")
        assert all(not p.get("nodePort") for p in svc["spec"]["ports"])


def test_every_container_non_root_1001_without_escalation(with_subchart: Path, cli) -> None:
    set_settings(with_subchart, "dev", metrics_enabled=True)
    objects = built(with_subchart, cli)
    found = containers(objects)
    assert len(found) == 2
    for c in found:
        ctx = c["securityContext"]
        assert ctx["runAsUser"] == 1001 and ctx["runAsNonRoot"] is True, c["name"]
        assert ctx["allowPrivilegeEscalation"] is False, c["name"]
        assert not ctx.get("privileged"), c["name"]
    pod = one(objects, "StatefulSet")["spec"]["template"]["spec"]
    assert pod["securityContext"]["fsGroup"] == 1001
    assert pod["automountServiceAccountToken"] is False


def redis_conf(objects: Objects) -> list[str]:
    """redis.conf then master.conf, in the order the start script includes them."""
    config = next(o for o in of_kind(objects, "ConfigMap") if o["metadata"]["name"].endswith("-configuration"))
    return config["data"]["redis.conf"].splitlines() + config["data"]["master.conf"].splitlines()


def directives(lines: list[str], name: str) -> list[str]:
    return [line.split(None, 1)[1] if " " in line else "" for line in lines
            if line.strip() and not line.lstrip().startswith("#") and line.split()[0] == name]


def test_rdb_snapshots_on_in_the_final_config(with_subchart: Path, cli) -> None:
    set_settings(with_subchart, "dev", rdb_save="300 1 60 100")
    lines = redis_conf(built(with_subchart, cli))
    assert directives(lines, "save") == ["300 1 60 100"], "a later save \"\" would switch RDB off"
    assert directives(lines, "appendonly") == ["no"]
    assert directives(lines, "dir") == ["/data"]


def test_rdb_off_without_persistence(with_subchart: Path, cli) -> None:
    set_settings(with_subchart, "dev", persistence_enabled=False)
    objects = built(with_subchart, cli)
    assert directives(redis_conf(objects), "save") == ['""']
    sts = one(objects, "StatefulSet")
    assert "volumeClaimTemplates" not in sts["spec"]
    assert of_kind(objects, "PersistentVolumeClaim") == []
    data = next(v for v in sts["spec"]["template"]["spec"]["volumes"] if v["name"] == "redis-data")
    assert "emptyDir" in data


@pytest.mark.parametrize(("size", "storage_class"), [("3Gi", "gp3"), ("512Mi", "")])
def test_pvc_of_storage_size_in_storage_class(with_subchart: Path, cli, size: str, storage_class: str) -> None:
    set_settings(with_subchart, "dev", storage_size=size, storage_class_name=storage_class)
    (claim,) = one(built(with_subchart, cli), "StatefulSet")["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == size
    if storage_class:
        assert claim["spec"]["storageClassName"] == storage_class
    else:
        assert "storageClassName" not in claim["spec"], "empty must mean the cluster's default class"


@pytest.mark.parametrize("wanted", [
    {"requests": {"cpu": "150m", "memory": "96Mi"}, "limits": {"cpu": "750m", "memory": "384Mi"}},
    {"limits": {"memory": "1Gi"}},
    {},  # none at all: not Bitnami's "nano" preset in disguise
])
def test_requests_and_limits_as_given(with_subchart: Path, cli, wanted: dict[str, Any]) -> None:
    # Without a memory limit there is nothing to derive maxmemory from: it must be set.
    extra = {} if "memory" in wanted.get("limits", {}) else {"maxmemory": "64Mi"}
    set_settings(with_subchart, "dev", resources=wanted, **extra)
    (redis_container,) = [c for c in containers(built(with_subchart, cli)) if c["name"] == "redis"]
    assert redis_container.get("resources", {}) == wanted


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_ours_is_the_only_network_policy(with_subchart: Path, cli, env: str) -> None:
    objects = built(with_subchart, cli, env)
    policy = one(objects, "NetworkPolicy")
    assert policy["metadata"]["name"] == naming.network_policy(settings_of(with_subchart, env))
    # It selects every Redis pod the chart renders.
    labels = one(objects, "StatefulSet")["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize(("release", "service"), [
    ("redis", "redis-master"), ("twofa", "twofa-redis-master"), ("otp-redis", "otp-redis-master"),
    ("r" * 39, "r" * 39 + "-redis-master"),  # the longest release name without "redis" in it
    ("redis-" + "r" * 39, "redis-" + "r" * 39 + "-master"),  # and the longest with it
])
def test_outputs_name_the_rendered_objects(
    with_subchart: Path, cli, monkeypatch: pytest.MonkeyPatch, release: str, service: str
) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    set_settings(with_subchart, "dev", release_name=release, namespace="otp", secret_name="otp-pass",
                 secret_mode="render")
    objects = built(with_subchart, cli)
    ran = cli(with_subchart, "outputs", "dev")
    assert ran.code == 0, ran.err
    out = json.loads(ran.out)
    services = {o["metadata"]["name"]: o for o in of_kind(objects, "Service")}
    assert service in services
    assert out["redis_host"] == f"{service}.otp.svc.cluster.local"
    assert out["redis_namespace"] == "otp" == services[service]["metadata"]["namespace"]
    assert out["redis_port"] == services[service]["spec"]["ports"][0]["port"] == 6379
    assert services[service]["spec"]["selector"]["app.kubernetes.io/component"] == "master"
    assert out["redis_password_secret_name"] == one(objects, "Secret")["metadata"]["name"] == "otp-pass"
    assert out["redis_password_secret_key"] in one(objects, "Secret")["data"]
    assert out["redis_connection_url"] == f"redis://{service}.otp.svc.cluster.local:6379"
    assert one(objects, "StatefulSet")["metadata"]["name"] == service
    # Names Kubernetes accepts: DNS labels for Services, 52 for a StatefulSet (pod label hash).
    for o in objects:
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", o["metadata"]["name"]), o["metadata"]["name"]
        assert len(o["metadata"]["name"]) <= (52 if o["kind"] == "StatefulSet" else 63), o["metadata"]["name"]


def test_disabled_environment_renders_nothing_with_subchart(with_subchart: Path, cli) -> None:
    set_settings(with_subchart, "dev", enable_redis=False)
    assert built(with_subchart, cli) == []


def _names(root: Path, env: str) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    prepared = pipeline.prepare(root, env)
    (result,) = renders.render_checked(root, [prepared.settings], [prepared.env.file])
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
