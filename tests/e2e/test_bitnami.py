"""Every copy of the Bitnami subchart's logic (generator/bitnami/) against the real subchart.

With an archive in chart/charts/ the chart is rendered with it for several variants (standalone,
metrics, replication, Sentinel, a release name without "redis", fullnameOverride, the helper
images switched on) and each copy is compared with what the render holds: the names, the
configuration ConfigMap, the master pod, the images, the ports and defaults. A difference fails
the test and names the copy, with both versions. An archive of another version than
COPIED_FROM is not a failure when every copy still agrees: the test says so and passes.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import bitnami, pipeline
from generator.bitnami import archive, config, names, pods
from generator.check import helm, manifests
from generator.core import yamlio
from generator.core.k8s import containers, pod_templates
from generator.core.settings import Settings
from generator.images import listing
from generator.render import chart, values
from tests.support import fixture_project

# Together on one xdist worker (--dist loadgroup): the module's eight renders with the real subchart, done once.
pytestmark = pytest.mark.xdist_group("bitnami-render")

SENTINEL = {"architecture": "replication", "sentinel_enabled": True, "replica_count": 3,
            "sentinel_image_tag": "redis-sentinel-8.4.0"}


def _ecr_image(s: Settings, tag: str) -> dict[str, str]:
    return {"registry": s.ecr_registry, "repository": s.ecr_repository, "tag": tag}


# variant -> (environment it starts from, settings changed, values added under redis:)
VARIANTS: dict[str, tuple[str, dict[str, Any], Any]] = {
    "standalone": ("dev", {}, None),
    "metrics": ("prod", {}, None),
    "replication": ("prod", {"architecture": "replication", "replica_count": 2}, None),
    "sentinel": ("prod", SENTINEL, None),
    "otp": ("staging", {"release_name": "otp"}, None),
    "override": ("dev", {}, lambda s: {"fullnameOverride": "otp-cache"}),
    "helpers": ("dev", {}, lambda s: {
        "volumePermissions": {"enabled": True, "image": _ecr_image(s, "os-shell-12")},
        "sysctl": {"enabled": True, "image": _ecr_image(s, "os-shell-12")}}),
    "kubectl": ("prod", SENTINEL, lambda s: {
        "sentinel": {"masterService": {"enabled": True}}, "kubectl": {"image": _ecr_image(s, "kubectl-1.33")},
        # Bitnami refuses the master Service without the API access its kubectl needs.
        "rbac": {"create": True}, "serviceAccount": {"create": True},
        "replica": {"automountServiceAccountToken": True}}),
}


@dataclasses.dataclass
class Rendered:
    settings: Settings
    values: dict[str, Any]  # the umbrella chart's values Helm rendered with
    objects: list[dict[str, Any]]

    @property
    def redis(self) -> dict[str, Any]:
        return pods.subchart_values(self.values)

    def find(self, kind: str, name: str) -> dict[str, Any] | None:
        return next((o for o in self.objects if o.get("kind") == kind and o["metadata"]["name"] == name), None)


def _settings(root: Path, variant: str) -> Settings:
    base, changes, _ = VARIANTS[variant]
    return dataclasses.replace(pipeline.prepare(root, base, resolve_ecr=False).settings, env=variant, **changes)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[archive.Subchart, dict[str, Rendered]]]:
    if fixture_project.archive() is None:
        pytest.skip("the Bitnami redis archive is not in chart/charts/ (it cannot be downloaded offline; "
                    "place redis-<version>.tgz there to compare generator/bitnami/ with it)")
    # The tests' own project with the archive: its dev, staging and prod are the variants' bases.
    root = fixture_project.copy(tmp_path_factory.mktemp("bitnami") / "project", subchart=True)
    found = archive.find(root / "chart")
    assert found is not None
    extra = {name: spec[2] for name, spec in VARIANTS.items()}
    real = values.env_values

    def env_values(s: Settings) -> dict[str, Any]:
        out = real(s)
        if extra.get(s.env):
            values.deep_update(out["redis"], extra[s.env](s))
        return out

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(values, "env_values", env_values)
        out = {}
        for variant in VARIANTS:
            s = _settings(root, variant)
            files = chart.chart_files(s, f"environments/{s.env}.yaml")
            out[variant] = Rendered(s, values.chart_values(files, s.env), _render(root, s, files))
        yield found, out


def _render(root: Path, s: Settings, files: dict[str, str]) -> list[dict[str, Any]]:
    """helm template with the real subchart, and a probe of our chart's bitnamiFullname helper."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "chart"
        shutil.copytree(root / "chart", stage)
        for name, text in files.items():
            (stage / name).write_text(text)
        (stage / "templates" / "zz-probe.yaml").write_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bitnami-probe\ndata:\n"
            '  fullname: {{ include "twofa-redis.bitnamiFullname" . | quote }}\n'
            "  podSelector: |\n    {{- include \"twofa-redis.redisPodSelector\" . | nindent 4 }}\n")
        spec = helm.Render(s.release_name, s.namespace, s.kube_version, (stage / f"values-{s.env}.yaml",))
        return manifests.parse(helm.run(helm.template_args(stage, spec), root=root))


class Differences(list[str]):
    def same(self, copy: str, variant: str, ours: Any, theirs: Any, version: str) -> None:
        if ours != theirs:
            where = copy if copy.startswith("chart/") else f"generator/bitnami/{copy}"
            self.append(f"{where} differs from the {version} subchart ({variant}):\n"
                        f"  ours:\n{_show(ours)}\n  the subchart's:\n{_show(theirs)}")


def _show(value: Any) -> str:
    if not isinstance(value, (dict, list)):
        return f"    {value!r}"
    return "\n".join("    " + line for line in yamlio.dump(_sorted(value)).splitlines())


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    return [_sorted(v) for v in value] if isinstance(value, list) else value


def _finish(found: archive.Subchart, problems: Differences) -> None:
    if found.version != bitnami.COPIED_FROM:
        message = (f"chart/charts/{found.archive.name} is version {found.version}; generator/bitnami/ was "
                   f"copied from {bitnami.COPIED_FROM}" + (": every copy agrees with it" if not problems else ""))
        print(message)
        warnings.warn(message, stacklevel=2)
    assert not problems, "\n".join(problems)


def test_names(rendered: tuple[archive.Subchart, dict[str, Rendered]]) -> None:
    found, renders = rendered
    problems = Differences()
    for variant, r in renders.items():
        full = names.fullname(r.settings.release_name, r.redis)
        sentinel = r.settings.sentinel_enabled
        expected = [("Service", full if sentinel else names.master(full)), ("Service", names.headless(full)),
                    ("ConfigMap", names.scripts(full)), ("ConfigMap", names.configuration(full)),
                    ("StatefulSet", f"{full}-node" if sentinel else names.master(full))]
        if any(r.find(kind, name) is None for kind, name in expected):
            have = [f"{o['kind']}/{o['metadata']['name']}" for o in r.objects
                    if o["kind"] in {kind for kind, _ in expected}]
            problems.same("names.py (fullname, master, headless, scripts, configuration)", variant,
                          sorted(f"{kind}/{name}" for kind, name in expected), sorted(have), found.version)
        probe = r.find("ConfigMap", "bitnami-probe")
        assert probe is not None
        labels = yaml.safe_load(probe["data"]["podSelector"])
        for pod in pod_templates(r.objects):
            if pod.owner["kind"] == "StatefulSet":
                problems.same("names.py pod_labels", variant, names.pod_labels(r.settings.release_name, r.redis),
                              {k: pod.labels.get(k) for k in names.pod_labels(r.settings.release_name, r.redis)},
                              found.version)
                problems.same("chart/templates/_helpers.tpl redisPodSelector (copy of the pod labels)", variant,
                              labels, {k: pod.labels.get(k) for k in labels}, found.version)
        if not r.redis.get("fullnameOverride"):
            problems.same("chart/templates/_helpers.tpl bitnamiFullname (copy of names.fullname)", variant,
                          probe["data"]["fullname"], full, found.version)
    _finish(found, problems)


def test_configuration_configmap(rendered: tuple[archive.Subchart, dict[str, Rendered]]) -> None:
    found, renders = rendered
    problems = Differences()
    for variant, r in renders.items():
        full = names.fullname(r.settings.release_name, r.redis)
        theirs = r.find("ConfigMap", names.configuration(full))
        problems.same("config.py configmap", variant, config.configmap(r.redis, full, r.settings.namespace),
                      (theirs or {}).get("data"), found.version)
    _finish(found, problems)


def _pod_view(workload: dict[str, Any]) -> dict[str, Any]:
    """What the policy rules read of a pod, in a form two pods can be compared by."""
    (pod,) = pod_templates([workload])
    view: dict[str, Any] = {"name": workload["metadata"]["name"], "securityContext": pod.spec.get("securityContext")}
    for c in containers(pod):
        view[f"{c.kind}/{c.name}"] = {"image": c.spec.get("image"), "securityContext": c.security,
                                     "ports": {p["name"]: p["containerPort"] for p in c.spec.get("ports") or []}}
    view["volumes"] = sorted((v["name"], sorted(set(v) - {"name"})) for v in pod.spec.get("volumes") or [])
    return view


def test_master_pod(rendered: tuple[archive.Subchart, dict[str, Rendered]]) -> None:
    found, renders = rendered
    problems = Differences()
    for variant, r in renders.items():
        if r.settings.sentinel_enabled:
            continue  # no master StatefulSet with Sentinel; the likeness is the standalone/replication master
        ours = _pod_view(pods.master_statefulset(r.values, r.settings.release_name, r.settings.namespace))
        theirs_workload = r.find("StatefulSet", ours["name"])
        theirs = _pod_view(theirs_workload) if theirs_workload else {}
        # The likeness holds the containers and volumes the rules read: compare those it has.
        theirs = {k: theirs.get(k) for k in ours if k != "volumes"}
        ours_volumes = ours.pop("volumes")
        have = dict(_pod_view(theirs_workload)["volumes"]) if theirs_workload else {}
        problems.same("pods.py master_statefulset", variant, ours, theirs, found.version)
        problems.same("pods.py master_statefulset volumes", variant, ours_volumes,
                      [(name, have.get(name)) for name, _ in ours_volumes], found.version)
        labels = pods.master_statefulset(r.values, r.settings.release_name, r.settings.namespace)
        want = labels["spec"]["template"]["metadata"]["labels"]
        got = (theirs_workload or {}).get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
        problems.same("pods.py master_statefulset labels", variant, want, {k: got.get(k) for k in want},
                      found.version)
    _finish(found, problems)


def test_image_slots(rendered: tuple[archive.Subchart, dict[str, Rendered]], monkeypatch: pytest.MonkeyPatch) -> None:
    found, renders = rendered
    problems = Differences()
    for variant, r in renders.items():
        monkeypatch.setattr(values, "subchart_values", lambda s, r=r: r.redis)
        listed = sorted({f"{i.registry}/{i.repository}@{i.digest}" if i.digest else i.ref
                         for i in listing.images(r.settings)})
        problems.same("slots.py SLOTS", variant, listed, listing.pulled(r.objects), found.version)
    _finish(found, problems)


def test_ports_and_defaults(rendered: tuple[archive.Subchart, dict[str, Rendered]]) -> None:
    found, _ = rendered
    d = found.defaults
    problems = Differences()
    problems.same("__init__.py REDIS_PORT", "values.yaml", bitnami.REDIS_PORT, d["master"]["containerPorts"]["redis"],
                  found.version)
    problems.same("__init__.py REDIS_PORT", "values.yaml replica", bitnami.REDIS_PORT,
                  d["replica"]["containerPorts"]["redis"], found.version)
    problems.same("__init__.py SENTINEL_PORT", "values.yaml", bitnami.SENTINEL_PORT,
                  d["sentinel"]["containerPorts"]["sentinel"], found.version)
    problems.same("__init__.py METRICS_PORT", "values.yaml", bitnami.METRICS_PORT,
                  d["metrics"]["containerPorts"]["http"], found.version)
    problems.same("config.py DATA_PATH", "values.yaml", config.DATA_PATH, d["master"]["persistence"]["path"],
                  found.version)
    problems.same("config.py DEFAULT_COMMON_CONFIGURATION", "values.yaml", config.DEFAULT_COMMON_CONFIGURATION,
                  d["commonConfiguration"], found.version)
    problems.same("__init__.py CHART", "Chart.yaml", f"{bitnami.CHART}-{found.version}.tgz", found.archive.name,
                  found.version)
    _finish(found, problems)


def test_a_copy_that_differs_is_named_with_both_versions() -> None:
    problems = Differences()
    problems.same("names.py fullname", "otp", "otp-redis", "otp", "23.1.1")
    problems.same("names.py fullname", "redis", "redis", "redis", "23.1.1")
    assert problems == ["generator/bitnami/names.py fullname differs from the 23.1.1 subchart (otp):\n"
                        "  ours:\n    'otp-redis'\n  the subchart's:\n    'otp'"]
