"""core/k8s.py: Kubernetes objects as the checks read them: names, pod templates, containers, label
selectors with the API server's semantics."""

from __future__ import annotations

from typing import Any

import pytest

from generator.core import k8s


def _pod(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"labels": {"app": "redis"}}, "spec": spec}


def test_names_paths_and_schema_files() -> None:
    obj = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r", "namespace": "x"}}
    assert k8s.name_of(obj) == "Role/r" and k8s.name_of({"kind": "Secret"}) == "Secret/?"
    assert k8s.schema_file(obj) == "role-rbac-v1.json"
    assert k8s.schema_file({"apiVersion": "v1", "kind": "ConfigMap"}) == "configmap-v1.json"
    assert k8s.schema_file({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret"}) == (
        "externalsecret-external-secrets-v1.json")  # schemas/crds/ names it so
    assert (k8s.namespace_of(obj, "default"), k8s.namespace_of({"metadata": {}}, "default")) == ("x", "default")
    assert k8s.dig(obj, "metadata", "name") == "r" and k8s.dig(obj, "spec", "x", default=0) == 0


@pytest.mark.parametrize(("name", "truncated"), [("a" * 70, "a" * 63), ("a" * 61 + "--b", "a" * 61 + "-"),
                                                 ("short-", "short")])
def test_trunc_is_helms_trunc_63_then_one_trailing_dash_off(name: str, truncated: str) -> None:
    assert k8s.trunc(name) == truncated


def test_pod_templates_of_every_workload_kind_and_their_containers() -> None:
    objects = [
        {"kind": "StatefulSet", "metadata": {"name": "s"}, "spec": {"template": _pod(
            initContainers=[{"name": "init"}], containers=[{"name": "redis"}, {"name": "metrics"}])}},
        {"kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": _pod(
            containers=[{"name": "job"}])}}}},
        {"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "debug"}}, "spec": {
            "ephemeralContainers": [{"name": "dbg"}]}},
        {"kind": "Service", "metadata": {"name": "svc"}, "spec": {}},
    ]
    pods = k8s.pod_templates(objects)
    assert [(p.name, p.path, p.labels) for p in pods] == [
        ("StatefulSet/s", "spec.template", {"app": "redis"}),
        ("CronJob/c", "spec.jobTemplate.spec.template", {"app": "redis"}),
        ("Pod/p", "", {"app": "debug"}),
    ]
    found = [(c.kind, c.name, c.at("securityContext")) for c in k8s.containers(pods[0])]
    assert found == [("initContainers", "init", "spec.template.spec.initContainers[0].securityContext"),
                     ("containers", "redis", "spec.template.spec.containers[0].securityContext"),
                     ("containers", "metrics", "spec.template.spec.containers[1].securityContext")]
    assert [(c.kind, c.at()) for c in k8s.containers(pods[2])] == [("ephemeralContainers",
                                                                    "spec.ephemeralContainers[0]")]


@pytest.mark.parametrize(("selector", "labels", "matches"), [
    (None, {"a": "1"}, True),
    ({}, {}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]}, {"a": "2"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]}]}, {}, False),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {"a": "1"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
    ({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "Exists"}]}, {"a": "1"}, False),
])
def test_selectors_match_as_the_api_server_matches(selector: dict[str, Any] | None, labels: dict[str, str],
                                                   matches: bool) -> None:
    assert k8s.selector_matches(selector, labels) is matches


def test_what_a_selector_pins_and_how_it_is_shown() -> None:
    selector = {"matchLabels": {"name": "backend"},
                "matchExpressions": [{"key": "name", "operator": "In", "values": ["backend", "web"]},
                                     {"key": "tier", "operator": "In", "values": ["a", "b"]},
                                     {"key": "x", "operator": "Exists"}]}
    assert k8s.requirements(selector) == {"name": frozenset({"backend"}), "tier": frozenset({"a", "b"})}
    assert k8s.requirements(None) == {}
    assert k8s.show_selector(selector) == "{name=backend, name In (backend,web), tier In (a,b), x Exists}"
    assert k8s.show_selector({}) == "{}"
