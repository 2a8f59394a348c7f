"""bitnami/pods.py: the master StatefulSet Bitnami's templates would render from the values, which
the policy rules read when the archive is absent (tests/e2e/test_bitnami.py compares it with the
real render when it is present)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator import pipeline
from generator.bitnami import pods
from generator.render import chart, values


def _umbrella(root: Path, env: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The umbrella chart's values an environment renders with, `extra` merged under redis:."""
    prepared = pipeline.prepare(root, env)
    merged = values.chart_values(chart.chart_files(prepared.settings, prepared.env.file), env)
    if extra:
        values.deep_update(merged["redis"], extra)
    return merged


def _pod(umbrella: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = pods.master_statefulset(umbrella, "redis", "redis")["spec"]["template"]["spec"]
    return spec


def test_the_master_of_dev_and_of_prod(fixture_root: Path) -> None:
    dev = pods.master_statefulset(_umbrella(fixture_root, "dev"), "redis", "redis")
    assert (dev["kind"], dev["metadata"]) == ("StatefulSet", {"name": "redis-master", "namespace": "redis"})
    assert dev["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/instance"] == "redis"
    (redis,) = dev["spec"]["template"]["spec"]["containers"]
    assert redis["image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/twofa/dev:redis-latest"
    assert redis["ports"] == [{"name": "redis", "containerPort": 6379}]
    assert "enabled" not in redis["securityContext"]
    assert (redis["securityContext"]["runAsUser"], redis["securityContext"]["runAsNonRoot"]) == (1001, True)
    prod = _pod(_umbrella(fixture_root, "prod"))
    assert [(c["name"], c["ports"][0]["containerPort"]) for c in prod["containers"]] == [("redis", 6379),
                                                                                           ("metrics", 9121)]
    assert prod["containers"][1]["image"].endswith("/twofa/prod:redis-exporter-1.76.0")
    assert "initContainers" not in prod


def test_a_digest_replaces_the_tag_and_a_global_registry_wins(fixture_root: Path) -> None:
    digest = "sha256:" + "a" * 64
    pinned = _pod(_umbrella(fixture_root, "dev", {"image": {"digest": digest}}))
    assert pinned["containers"][0]["image"] == f"123456789012.dkr.ecr.us-east-1.amazonaws.com/twofa/dev@{digest}"
    elsewhere = _pod(_umbrella(fixture_root, "dev", {"global": {"imageRegistry": "mirror.example.com"}}))
    assert elsewhere["containers"][0]["image"] == "mirror.example.com/twofa/dev:redis-latest"


def test_the_helpers_turned_on_run_as_root(fixture_root: Path) -> None:
    shell = {"registry": "r", "repository": "os-shell", "tag": "12"}
    helpers = {"volumePermissions": {"enabled": True, "image": shell},
               "sysctl": {"enabled": True, "mountHostSys": True, "image": {**shell, "tag": "13"}}}
    pod = _pod(_umbrella(fixture_root, "dev", helpers))
    init = {c["name"]: c for c in pod["initContainers"]}
    assert init["volume-permissions"]["image"] == "r/os-shell:12"
    assert init["volume-permissions"]["securityContext"]["runAsUser"] == 0
    assert init["init-sysctl"]["image"] == "r/os-shell:13"
    assert init["init-sysctl"]["securityContext"] == {"privileged": True, "runAsUser": 0}
    assert {"name": "host-sys", "hostPath": {"path": "/sys"}} in pod["volumes"]


def test_a_security_context_switched_off_renders_nothing() -> None:
    assert pods.security_context({"enabled": False, "runAsUser": 0}) == {}
    assert pods.security_context({"runAsUser": 1001}) == {"runAsUser": 1001}
    assert pods.security_context(None) == {}
