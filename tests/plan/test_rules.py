"""The API server's update rules (generator/plan/rules/) over real renders of the tests' prod and
its variants with the real Bitnami subchart (tests/support/plan_renders.py). Objects a render lacks (an
immutable ConfigMap, a Job, a Deployment, a live Service with its allocated clusterIP) are
derived from rendered objects, not invented."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.plan import restart
from generator.plan import rules as im
from generator.plan.rules import base, workloads
from tests.support import plan_renders as renders

STS = ("apps", "StatefulSet", "redis", "redis-master")

MSG_125 = (
    "updates to statefulset spec for fields other than 'replicas', 'template', 'updateStrategy', "
    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)
MSG_126 = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)
MSG_134 = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
    "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)


def render(name: str) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    found = renders.renders()[2]
    if name not in found:
        pytest.skip("needs a second Bitnami archive of a lower version: " + renders.support.skip_reason(2))
    return found[name]


def sts(name: str = "base") -> dict[str, Any]:
    return copy.deepcopy(render(name)[STS])


def only(violations: list[im.Violation]) -> im.Violation:
    assert len(violations) == 1, violations
    return violations[0]


def paired(old: dict[Any, Any], new: dict[Any, Any]) -> dict[Any, tuple[Any, Any]]:
    return {k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new))}


# ------------------------------------------------------------------ storage size


def test_storage_up_is_forbidden_on_the_statefulset_with_each_versions_wording() -> None:
    old, new = sts("base"), sts("storage_up")
    v = only(im.forbidden(old, new, "1.25"))
    assert v.field == "spec.volumeClaimTemplates[0].spec.resources.requests.storage"
    assert v.message == f'StatefulSet.apps "redis-master" is invalid: spec: Forbidden: {MSG_125}'
    assert only(im.forbidden(old, new, "1.33")).detail == MSG_126
    assert only(im.forbidden(old, new, "1.37")).detail == MSG_134
    assert restart.restart_reason(old, new) is None  # the template is untouched: nothing would roll


def test_storage_up_runbook_pvc_patch_depends_on_the_storage_class() -> None:
    old_claims, new_claims = im.claims(sts("base")), im.claims(sts("storage_up"))
    assert [c["metadata"]["name"] for c in old_claims] == ["redis-data-redis-master-0"]
    old, new = old_claims[0], new_claims[0]
    assert im.forbidden(old, new, "1.33", {"gp3": True}) == []
    refused = only(im.forbidden(old, new, "1.33", {"gp3": False}))
    assert refused.certain
    assert refused.message == (
        'persistentvolumeclaims "redis-data-redis-master-0" is forbidden: only dynamically '
        "provisioned pvc can be resized and the storageclass that provisions the pvc must "
        "support resize"
    )
    unknown = only(im.forbidden(old, new, "1.33"))
    assert not unknown.certain  # offline we do not know gp3's allowVolumeExpansion


def test_storage_down_is_forbidden_on_the_statefulset_and_the_pvc() -> None:
    old, new = sts("base"), sts("storage_down")
    assert only(im.forbidden(old, new, "1.33")).rule == "statefulset-spec-immutable"
    pvc_old, pvc_new = im.claims(old)[0], im.claims(new)[0]
    before = only(im.forbidden(pvc_old, pvc_new, "1.31", {"gp3": True}))
    assert before.message == (
        'PersistentVolumeClaim "redis-data-redis-master-0" is invalid: '
        "spec.resources.requests.storage: Forbidden: field can not be less than previous value"
    )
    after = only(im.forbidden(pvc_old, pvc_new, "1.33", {"gp3": True}))
    assert after.detail == "field can not be less than status.capacity"


def test_same_size_spelled_differently_is_no_change() -> None:
    old, new = sts("base"), sts("base")
    new["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "8192Mi"
    new["spec"]["podManagementPolicy"] = "OrderedReady"  # the server's default, now spelled out
    new["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"] = "Filesystem"
    assert im.forbidden(old, new, "1.33") == []


# ------------------------------------------------------------------ storage class


def test_storage_class_change_is_forbidden_everywhere() -> None:
    old, new = sts("base"), sts("storage_class")
    v = only(im.forbidden(old, new, "1.30"))
    assert v.field == "spec.volumeClaimTemplates[0].spec.storageClassName"
    pvc_old, pvc_new = im.claims(old)[0], im.claims(new)[0]
    assert only(im.forbidden(pvc_old, pvc_new, "1.28")).detail == (
        "spec is immutable after creation except resources.requests for bound claims"
    )
    assert only(im.forbidden(pvc_old, pvc_new, "1.29")).detail == (
        "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
    )
    # back to the cluster default (storageClassName left out) is a change too
    assert only(im.forbidden(old, sts("storage_class_default"), "1.33")).field == (
        "spec.volumeClaimTemplates[0].spec.storageClassName"
    )


# ------------------------------------------------------------------ pod template changes


def test_resources_change_restarts_and_is_allowed() -> None:
    old, new = sts("base"), sts("resources")
    assert im.forbidden(old, new, "1.33") == []
    reason = restart.restart_reason(old, new)
    assert reason is not None
    assert "containers[name=redis].resources.limits.memory: 512Mi -> 768Mi" in reason


def test_image_tag_change_restarts() -> None:
    old, new = sts("base"), sts("image_tag")
    assert im.forbidden(old, new, "1.25") == []
    reason = restart.restart_reason(old, new)
    assert reason is not None and "containers[name=redis].image" in reason and "redis-8.4.1" in reason


def test_rdb_save_change_restarts_through_bitnamis_checksum_annotation() -> None:
    base, changed = render("base"), render("rdb_save")
    cm = ("", "ConfigMap", "redis", "redis-configuration")
    assert im.forbidden(base[cm], changed[cm], "1.33") == []  # a mutable ConfigMap may change
    reason = restart.restart_reason(base[STS], changed[STS])
    assert reason is not None and "checksum/configmap changed" in reason


def test_metrics_on_restarts_and_creates_the_metrics_service() -> None:
    before, after = render("no_metrics"), render("base")
    pairs = paired(before, after)
    created = [k for k, (o, n) in pairs.items() if o is None]
    assert created == [("", "Service", "redis", "redis-metrics")]
    reason = restart.restart_reason(before[STS], after[STS])
    assert reason is not None and "containers[name=metrics]" in reason
    for key, (o, n) in pairs.items():
        if o is not None and n is not None:
            assert im.forbidden(o, n, "1.33") == [], key  # NetworkPolicy gains 9121: allowed


def test_a_chart_bump_changes_only_labels_and_rolls_redis() -> None:
    """Between two Bitnami versions the pod template differs by the chart label, and by the
    checksum of each ConfigMap whose content the new version changed (23.0.5 -> 23.1.1 changed
    the health scripts; 23.1.0 -> 23.1.1 none): nothing else, and nothing forbidden."""
    version, older, _ = renders.renders()
    for old_name, new_name, workload in (
        ("old_chart", "base", STS),
        ("ha_old_chart", "ha", ("apps", "StatefulSet", "redis", "redis-node")),
    ):
        old, new = render(old_name), render(new_name)
        assert set(old) == set(new)
        for key in old:
            assert im.forbidden(old[key], new[key], "1.33") == [], key
        changed = sorted(what for _, kind, _, name in old if kind == "ConfigMap" and name.startswith("redis-")
                         for what in [name.removeprefix("redis-")]
                         if old[("", "ConfigMap", "redis", name)].get("data")
                         != new[("", "ConfigMap", "redis", name)].get("data"))
        mounted = {k.removeprefix("checksum/") for k in new[workload]["spec"]["template"]["metadata"]["annotations"]
                   if k.startswith("checksum/")}
        expected = {f"checksum/{what} changed (content of the {what} the pods mount)" for what in changed
                    if what in mounted} | {f"chart label redis-{older} -> redis-{version}"}
        reason = restart.restart_reason(old[workload], new[workload])
        prefix = "pod template changed, pods are replaced: "
        assert reason is not None and reason.startswith(prefix), reason
        assert set(reason.removeprefix(prefix).split("; ")) == expected, (reason, changed)


# ------------------------------------------------------------------ renames: new identities, new claims


def test_release_rename_renames_every_bitnami_object_and_the_claim() -> None:
    old, new = render("base"), render("release_rename")
    renamed = ("apps", "StatefulSet", "redis", "twofa-redis-master")
    assert STS not in new and renamed in new
    assert im.claim_names(old[STS]) == ["redis-data-redis-master-0"]
    assert im.claim_names(new[renamed]) == ["redis-data-twofa-redis-master-0"]
    # paired by kind alone (what a PUT to the old URL would be) the API refuses the rename
    v = only([x for x in im.forbidden(old[STS], new[renamed], "1.33") if x.rule == "metadata-immutable"])
    assert (
        v.message
        == 'StatefulSet.apps "twofa-redis-master" is invalid: metadata.name: Invalid value: "twofa-redis-master": '
        "field is immutable"
    )
    # the selector carries the release: even a same-name update would be refused
    paired = copy.deepcopy(new[renamed])
    paired["metadata"]["name"] = "redis-master"
    assert only(im.forbidden(old[STS], paired, "1.33")).field.startswith("spec.selector")


def test_namespace_change_gives_a_new_identity_for_every_object() -> None:
    old, new = render("base"), render("namespace")
    assert not set(old) & set(new)
    moved = new[("apps", "StatefulSet", "redis-prod", "redis-master")]
    assert im.claim_names(moved) == im.claim_names(old[STS])  # same claim name, other namespace: a new, empty PVC
    assert im.claims(moved)[0]["metadata"]["namespace"] == "redis-prod"
    v = only(im.forbidden(old[STS], moved, "1.33"))
    assert v.api_path == "metadata.namespace"


# ------------------------------------------------------------------ persistence, HA


def test_persistence_off_drops_the_claim_template_forbidden_and_restarts() -> None:
    old, new = sts("base"), sts("persistence_off")
    v = only(im.forbidden(old, new, "1.33"))
    assert v.field == "spec.volumeClaimTemplates"
    assert im.claim_names(new) == []
    reason = restart.restart_reason(old, new)
    assert reason is not None and "volumes[name=redis-data]" in reason and "emptyDir" in reason


def test_ha_on_replaces_the_statefulset_and_its_claims() -> None:
    old, new = render("base"), render("ha")
    pairs = paired(old, new)
    deleted = {k for k, (o, n) in pairs.items() if n is None}
    created = {k for k, (o, n) in pairs.items() if o is None}
    assert STS in deleted and ("v1" not in str(deleted))
    node = ("apps", "StatefulSet", "redis", "redis-node")
    assert node in created and ("", "Service", "redis", "redis-master") in deleted
    assert im.claim_names(new[node]) == [
        "redis-data-redis-node-0",
        "redis-data-redis-node-1",
        "redis-data-redis-node-2",
    ]
    for key, (o, n) in pairs.items():
        if o is not None and n is not None:
            assert im.forbidden(o, n, "1.33") == [], key  # redis-headless gains 26379: allowed
    ha_up = render("ha_storage_up")[node]
    assert only(im.forbidden(new[node], ha_up, "1.33")).detail == MSG_126
    assert len(im.claims(ha_up)) == 3


# ------------------------------------------------------------------ Services


def live_service(render_name: str, name: str, ip: str) -> dict[str, Any]:
    """The Service as the API server stores it after creation: the render plus the allocation."""
    svc = copy.deepcopy(render(render_name)[("", "Service", "redis", name)])
    svc["spec"]["clusterIP"] = ip
    svc["spec"]["clusterIPs"] = [ip]
    svc["spec"]["ipFamilies"] = ["IPv6" if ":" in ip else "IPv4"]
    svc["spec"]["ipFamilyPolicy"] = "SingleStack"
    return svc


def test_service_render_without_cluster_ip_keeps_the_allocated_one() -> None:
    live = live_service("base", "redis-master", "10.96.12.34")
    assert im.forbidden(live, render("base")[("", "Service", "redis", "redis-master")], "1.33") == []


def test_service_cluster_ip_change_is_forbidden() -> None:
    live = live_service("base", "redis-master", "10.96.12.34")
    headless = copy.deepcopy(render("base")[("", "Service", "redis", "redis-master")])
    headless["spec"]["clusterIP"] = "None"
    v = only(im.forbidden(live, headless, "1.33"))
    assert v.message == (
        'Service "redis-master" is invalid: spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set'
    )
    fixed = copy.deepcopy(headless)
    fixed["spec"]["clusterIP"] = "10.96.99.99"
    assert only(im.forbidden(live, fixed, "1.25")).api_path == "spec.clusterIPs[0]"


def test_headless_service_stays_headless_and_family_change_is_forbidden() -> None:
    base = render("base")[("", "Service", "redis", "redis-headless")]
    dropped = copy.deepcopy(base)
    del dropped["spec"]["clusterIP"]
    assert im.forbidden(base, dropped, "1.33") == []  # no error, but the live Service stays headless
    live = live_service("base", "redis-master", "10.96.12.34")
    v6 = copy.deepcopy(live)
    v6["spec"]["ipFamilies"] = ["IPv6"]
    v6["spec"]["clusterIP"] = ""
    v6["spec"]["clusterIPs"] = []
    assert only(im.forbidden(live, v6, "1.33")).rule == "service-ipfamilies-immutable"


def test_service_to_external_name_is_allowed() -> None:
    live = live_service("base", "redis-master", "10.96.12.34")
    ext = copy.deepcopy(render("base")[("", "Service", "redis", "redis-master")])
    ext["spec"] = {"type": "ExternalName", "externalName": "redis.example.internal"}
    assert im.forbidden(live, ext, "1.33") == []


# ------------------------------------------------------------------ immutable ConfigMap / Secret


def test_immutable_configmap_refuses_data_and_flag_changes() -> None:
    key = ("", "ConfigMap", "redis", "redis-configuration")
    old = copy.deepcopy(render("base")[key])
    old["immutable"] = True
    new = copy.deepcopy(render("rdb_save")[key])
    new["immutable"] = True
    v = only(im.forbidden(old, new, "1.33"))
    assert (
        v.message
        == 'ConfigMap "redis-configuration" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    )
    unflagged = copy.deepcopy(old)
    del unflagged["immutable"]
    assert only(im.forbidden(old, unflagged, "1.33")).api_path == "immutable"
    assert im.forbidden(old, copy.deepcopy(old), "1.33") == []
    mutable = render("base")[key]
    assert im.forbidden(mutable, render("rdb_save")[key], "1.33") == []


def test_secret_type_and_immutable_data() -> None:
    target = render("base")[("external-secrets.io", "ExternalSecret", "redis", "redis-secret")]["spec"]["target"][
        "name"
    ]
    old = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": target, "namespace": "redis"},
        "type": "Opaque",
        "immutable": True,
        "data": {"redis-password": "b2xkLXBhc3N3b3Jk"},
    }
    new = copy.deepcopy(old)
    del new["data"]
    new["stringData"] = {"redis-password": "old-password"}  # same bytes, other spelling
    assert im.forbidden(old, new, "1.33") == []
    new["stringData"] = {"redis-password": "new-password"}
    assert only(im.forbidden(old, new, "1.33")).api_path == "data"
    typed = copy.deepcopy(old)
    typed["type"] = "kubernetes.io/basic-auth"
    assert any(v.rule == "secret-type-immutable" for v in im.forbidden(old, typed, "1.33"))


# ------------------------------------------------------------------ Job, Deployment


def job_from_render(render_name: str) -> dict[str, Any]:
    """A Job running the rendered Redis pod template (as a migration hook would)."""
    template = copy.deepcopy(sts(render_name)["spec"]["template"])
    template["spec"]["restartPolicy"] = "Never"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "redis-rdb-copy", "namespace": "redis"},
        "spec": {"backoffLimit": 0, "template": template},
    }


def test_job_template_is_immutable() -> None:
    old, new = job_from_render("base"), job_from_render("image_tag")
    v = only(im.forbidden(old, new, "1.33"))
    assert v.api_path == "spec.template" and v.detail == "field is immutable" and v.certain
    assert "containers[name=redis].image" in v.field
    assert restart.restart_reason(old, new) is None  # not a workload that rolls
    # only scheduling directives, on a suspended Job: allowed if it never started (unknown offline)
    sched = copy.deepcopy(old)
    sched["spec"]["suspend"] = True
    sched["spec"]["template"]["spec"]["nodeSelector"] = {"topology.kubernetes.io/zone": "eu-west-1a"}
    assert not only(im.forbidden(old, sched, "1.33")).certain
    counted = copy.deepcopy(old)
    counted["spec"]["completions"] = 3
    assert only(im.forbidden(old, counted, "1.33")).api_path == "spec.completions"


def test_deployment_selector_is_immutable() -> None:
    def deployment(render_name: str, name: str) -> dict[str, Any]:
        s = render(render_name)[("apps", "StatefulSet", "redis", name)]
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "redis", "namespace": "redis"},
            "spec": {
                "replicas": 1,
                "selector": copy.deepcopy(s["spec"]["selector"]),
                "template": copy.deepcopy(s["spec"]["template"]),
            },
        }

    old, new = deployment("base", "redis-master"), deployment("release_rename", "twofa-redis-master")
    v = only(im.forbidden(old, new, "1.33"))
    assert v.message.startswith('Deployment.apps "redis" is invalid: spec.selector: Invalid value: ')
    assert v.message.endswith(": field is immutable")
    assert restart.restart_reason(old, deployment("image_tag", "redis-master")) is not None


# ------------------------------------------------------------------ version-dependent StatefulSet fields


@pytest.mark.parametrize(
    ("field", "value", "refused_until"),
    [
        ("ordinals", {"start": 1}, "1.25"),
        ("revisionHistoryLimit", 3, "1.33"),
    ],
)
def test_fields_that_became_mutable(field: str, value: object, refused_until: str) -> None:
    old = sts("base")
    new = copy.deepcopy(old)
    new["spec"][field] = value
    refused = only(im.forbidden(old, new, refused_until))
    assert refused.field == f"spec.{field}" or refused.field.startswith(f"spec.{field}")
    major, minor = im.parse_version(refused_until)
    assert im.forbidden(old, new, f"{major}.{minor + 1}") == []


def test_mutable_statefulset_fields_in_every_version() -> None:
    old = sts("base")
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 2
    new["spec"]["minReadySeconds"] = 10
    new["spec"]["updateStrategy"] = {"type": "OnDelete"}
    new["spec"]["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": "Retain", "whenScaled": "Delete"}
    for minor in range(25, 38):
        assert im.forbidden(old, new, f"1.{minor}") == []
    new["spec"]["template"]["spec"]["containers"][0]["image"] += "-next"
    reason = restart.restart_reason(old, new)
    assert reason is not None and reason.startswith("pod template changed, pods keep the old template")


def test_versions_outside_the_supported_range_are_refused() -> None:
    with pytest.raises(ValueError, match=r"1\.25 to 1\.37"):
        im.forbidden(sts(), sts(), "1.24")
    with pytest.raises(ValueError, match="not a Kubernetes version"):
        im.parse_version("latest")
    assert im.parse_version("v1.33.4") == (1, 33)


def test_quantities_compare_by_value() -> None:
    assert base.normalize({"requests": {"storage": "8Gi"}}) == base.normalize({"requests": {"storage": "8192Mi"}})
    assert base.normalize({"limits": {"cpu": "500m"}}) == base.normalize({"limits": {"cpu": "0.5"}})
    assert base.normalize({"limits": {"cpu": 1}}) == base.normalize({"limits": {"cpu": "1000m"}})
    assert base.normalize({"labels": {"size": "1Gi"}}) != base.normalize({"labels": {"size": "1024Mi"}})


def test_the_statefulset_message_of_every_supported_version() -> None:
    assert workloads.sts_forbidden_message((1, 25)) == MSG_125
    assert {workloads.sts_forbidden_message((1, m)) for m in range(26, 34)} == {MSG_126}
    assert {workloads.sts_forbidden_message((1, m)) for m in range(34, 38)} == {MSG_134}
