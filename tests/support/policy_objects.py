"""Hand-written rendered objects for the policy tests: a release that keeps every promise.

Shaped like what the Bitnami chart renders for our values (names, labels, start script
arguments, security contexts), written here by hand so the tests run without the archive.
Each test deep-copies `good()` and breaks one thing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.check.policy import Context, EnvReport, evaluate
from generator.core.settings import Settings
from generator.render import chart
from generator.render.values import deep_update
from generator.validate import schema

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
BASE_SETTINGS: dict[str, Any] = {
    "env": "staging", "region": "us-east-1", "prefix": "twofa", "enable_redis": True,
    "ecr_registry": REGISTRY, "ecr_repository": "twofa/staging", "storage_class_name": "gp3",
    "storage_size": "2Gi", "metrics_enabled": True,
}
SECURE = {"runAsUser": 1001, "runAsGroup": 1001, "runAsNonRoot": True, "allowPrivilegeEscalation": False,
          "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
          "seccompProfile": {"type": "RuntimeDefault"}, "seLinuxOptions": {}}
REDIS_LABELS = {"app.kubernetes.io/instance": "redis", "app.kubernetes.io/name": "redis",
                "app.kubernetes.io/component": "master"}
START_MASTER = """#!/bin/bash
[[ -f $REDIS_PASSWORD_FILE ]] && export REDIS_PASSWORD="$(< "${REDIS_PASSWORD_FILE}")"
ARGS=("--port" "${REDIS_PORT}")
ARGS+=("--requirepass" "${REDIS_PASSWORD}")
ARGS+=("--masterauth" "${REDIS_PASSWORD}")
ARGS+=("--include" "/opt/bitnami/redis/etc/redis.conf")
ARGS+=("--include" "/opt/bitnami/redis/etc/master.conf")
exec redis-server "${ARGS[@]}"
"""


def network_policy() -> dict[str, Any]:
    def ns(name: str) -> dict[str, Any]:
        return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}

    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "redis-backend-access", "namespace": "redis"},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [ns("twofa-backend")], "ports": [{"protocol": "TCP", "port": 6379}]},
                        {"from": [ns("monitoring")], "ports": [{"protocol": "TCP", "port": 9121}]}],
            "egress": [{"to": [{**ns("kube-system"), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}],
        },
    }


def statefulset() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "redis-master", "namespace": "redis"},
        "spec": {
            "template": {
                "metadata": {"labels": dict(REDIS_LABELS)},
                "spec": {
                    "securityContext": {"fsGroup": 1001, "fsGroupChangePolicy": "Always", "sysctls": []},
                    "automountServiceAccountToken": False,
                    "containers": [
                        {"name": "redis", "image": f"{REGISTRY}/twofa/staging:redis-latest",
                         "imagePullPolicy": "Always", "securityContext": copy.deepcopy(SECURE),
                         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                       "limits": {"cpu": "500m", "memory": "256Mi"}},
                         "env": [{"name": "ALLOW_EMPTY_PASSWORD", "value": "no"},
                                 {"name": "REDIS_PASSWORD_FILE", "value": "/opt/bitnami/redis/secrets/redis-password"},
                                 {"name": "REDIS_PORT", "value": "6379"}],
                         "ports": [{"name": "redis", "containerPort": 6379}],
                         "volumeMounts": [{"name": "redis-password", "mountPath": "/opt/bitnami/redis/secrets/"},
                                          {"name": "redis-data", "mountPath": "/data"}]},
                        {"name": "metrics", "image": f"{REGISTRY}/twofa/staging:redis-exporter-latest",
                         "securityContext": copy.deepcopy(SECURE),
                         "env": [{"name": "REDIS_PASSWORD_FILE", "value": "/secrets/redis-password"}],
                         "ports": [{"name": "metrics", "containerPort": 9121}],
                         "volumeMounts": [{"name": "redis-password", "mountPath": "/secrets/"}]},
                    ],
                    "volumes": [
                        {"name": "start-scripts", "configMap": {"name": "redis-scripts", "defaultMode": 493}},
                        {"name": "redis-password", "secret": {"secretName": "redis-secret", "items": [
                            {"key": "redis-password", "path": "redis-password"}]}},
                        {"name": "config", "configMap": {"name": "redis-configuration"}},
                        {"name": "empty-dir", "emptyDir": {}},
                    ],
                },
            },
            "volumeClaimTemplates": [{"metadata": {"name": "redis-data"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}},
                "storageClassName": "gp3"}}],
        },
    }


def configmaps() -> list[dict[str, Any]]:
    def cm(name: str, data: dict[str, str]) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "redis"},
                "data": data}

    return [
        cm("redis-configuration", {
            "redis.conf": "# User-supplied common configuration:\nappendonly no\nsave 60 1\n"
                          "stop-writes-on-bgsave-error no\nmaxmemory 101711872\nmaxmemory-policy volatile-ttl\n"
                          "maxmemory-samples 5\n# End of common configuration",
            "master.conf": 'dir /data\nrename-command FLUSHDB ""\nrename-command FLUSHALL ""',
            "users.acl": ""}),
        cm("redis-scripts", {"start-master.sh": START_MASTER}),
    ]


def services() -> list[dict[str, Any]]:
    selector = dict(REDIS_LABELS)
    return [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "redis-master", "namespace": "redis"},
         "spec": {"type": "ClusterIP", "ports": [{"name": "tcp-redis", "port": 6379}], "selector": selector}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "redis-headless", "namespace": "redis"},
         "spec": {"type": "ClusterIP", "clusterIP": "None", "ports": [{"port": 6379}], "selector": selector}},
    ]


def good() -> list[dict[str, Any]]:
    return [network_policy(), *configmaps(), *services(), statefulset()]


@dataclass
class Case:
    """A release to evaluate: objects, settings overrides, and whether the subchart was rendered."""

    objects: list[dict[str, Any]] = field(default_factory=good)
    settings: dict[str, Any] = field(default_factory=dict)
    subchart: bool = True

    def find(self, kind: str, name: str | None = None) -> dict[str, Any]:
        return next(o for o in self.objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name))

    @property
    def pod(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.find("StatefulSet")["spec"]["template"]["spec"]
        return spec

    @property
    def policy(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.find("NetworkPolicy")["spec"]
        return spec

    def context(self, values_patch: dict[str, Any] | None = None) -> Context:
        data = {**schema.defaults(), **BASE_SETTINGS, **self.settings}
        settings = Settings.from_dict(data)
        files = chart.chart_files(settings, f"environments/{settings.env}.yaml")
        values: dict[str, Any] = {}
        for name in ("values.yaml", f"values-{settings.env}.yaml"):
            deep_update(values, yaml.safe_load(files[name]) or {})
        if values_patch:
            deep_update(values, values_patch)
        objects = [o for o in self.objects if self.subchart or o["kind"] == "NetworkPolicy"]
        return Context(settings, tuple(objects), values, files, self.subchart,
                       {"NetworkPolicy/redis-backend-access": "chart/templates/networkpolicy.yaml"})


# --- breaking a good release, one thing at a time (tests/check/policy/test_<family>.py) -------

Break = Callable[[Case], dict[str, Any] | None]  # mutates the case; may return a values patch
REDIS_PODS = {"matchLabels": {"app.kubernetes.io/name": "redis"}}
NS = "kubernetes.io/metadata.name"


def container(case: Case, name: str = "redis") -> dict[str, Any]:
    return next(c for c in case.pod["containers"] if c["name"] == name)


def add_config(case: Case, key: str, text: str) -> None:
    """A line appended to a file of the configuration ConfigMap (redis.conf, master.conf)."""
    case.find("ConfigMap", "redis-configuration")["data"][key] += "\n" + text


def add_policy(case: Case, spec: dict[str, Any], name: str = "extra", namespace: str = "redis") -> None:
    case.objects.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                         "metadata": {"name": name, "namespace": namespace}, "spec": spec})


def init_container(case: Case, **security: Any) -> None:
    case.pod["initContainers"] = [{"name": "volume-permissions", "image": container(case)["image"],
                                   "securityContext": {**SECURE, **security}}]


def run(case: Case, patch: dict[str, Any] | None = None) -> EnvReport:
    return evaluate(case.context(patch))


def firing_cases(bad: dict[str, list[tuple[str, Break]]]) -> list[Any]:
    """pytest parameters (rule, breaker), one per known-bad release, named by rule and label."""
    import pytest

    return [pytest.param(rule, breaker, id=f"{rule}: {label}") for rule, items in bad.items()
            for label, breaker in items]


def assert_fires(rule: str, breaker: Break) -> None:
    """The rule reports the broken release, naming the object, the problem and the fix."""
    case = Case()
    patch = breaker(case)
    report = run(case, patch if isinstance(patch, dict) else None)
    fired = [f for f in report.findings if f.rule == rule]
    assert fired, f"{rule} did not fire; findings: {[f.line() for f in report.findings]}"
    for f in fired:
        assert f.object and f.message and f.fix and f.env == case.context().env


def assert_silent(rule: str, subchart: bool) -> None:
    """The rule finds nothing in the good release, rendered or from the values only."""
    report = run(Case(subchart=subchart))
    assert [f.line() for f in report.findings if f.rule == rule] == []


def rule_suite(rules: Sequence[Any], bad: dict[str, list[tuple[str, Break]]],
               cased_elsewhere: frozenset[str] = frozenset()) -> tuple[Callable[..., None], ...]:
    """The three tests every module of rules gets, for its test file to bind at module level:

        test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires = rule_suite(...)

    `cased_elsewhere`: rules whose firing cases are tests of their own in that file."""
    import pytest

    ids = [r.id for r in rules]

    def test_every_rule_has_a_firing_case() -> None:
        assert {rule for rule, items in bad.items() if items} | cased_elsewhere == set(ids)

    @pytest.mark.parametrize("rule", ids)
    @pytest.mark.parametrize("subchart", [True, False], ids=["rendered", "values-only"])
    def test_good_release_has_no_finding(rule: str, subchart: bool) -> None:
        assert_silent(rule, subchart)

    @pytest.mark.parametrize(("rule", "breaker"), firing_cases(bad))
    def test_rule_fires(rule: str, breaker: Break) -> None:
        assert_fires(rule, breaker)

    return test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires
