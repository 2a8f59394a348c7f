"""Every string setting stays a string all the way to Helm and Argo CD.

Each string setting of schemas/values.schema.json (enumerated from the schema, so a new setting
is covered without touching this file) gets every value of AMBIGUOUS that its own pattern
admits (1e3, 0x1F, yes, null, 012, 2001-12-14, ...). The generated files (values-<env>.yaml,
Chart.yaml, argocd/<env>.yaml, and the environment file `mirror --pin` rewrites) are then read
by Helm's own YAML reader and must hold exactly the data the generator meant; and a full render
read the same way must carry each value, unchanged, in the fields of the rendered objects.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from generator import pipeline
from generator.bitnami import UNQUOTED_SETTINGS
from generator.check import renders
from generator.core import yamlio
from generator.core.errors import ValidationError
from generator.core.settings import Settings
from generator.images import mirror
from generator.load import environment
from generator.render import argocd, chart, values
from generator.validate import schema
from tests.support import fixture_project, helm_yaml
from tests.support.helm_yaml import AMBIGUOUS

Path_ = tuple[str, ...]
BASE_ENV = "staging"  # metrics on, an ExternalSecret, an Application: most settings reach a file

# What a setting needs beside it to take effect (merged into the environment with the setting).
CONTEXT: dict[Path_, dict[str, Any]] = {
    ("acl_username",): {"acl_enabled": True},
    ("acl_secret_name",): {"acl_enabled": True},
    ("sentinel_master_set",): {"architecture": "replication", "sentinel_enabled": True, "replica_count": 3},
    ("sentinel_image_tag",): {"architecture": "replication", "sentinel_enabled": True, "replica_count": 3},
    ("ecr_source", "terraform_state", "bucket"): {"ecr_source": {"terraform_state": {"key": "infra.tfstate"}}},
    ("ecr_source", "terraform_state", "key"): {"ecr_source": {"terraform_state": {"bucket": "tf-state"}}},
    ("ecr_source", "terraform_state", "region"): {"ecr_source": {"terraform_state": {"bucket": "tf-state",
                                                                                     "key": "infra.tfstate"}}},
    ("ecr_source", "terraform_state", "output"): {"ecr_source": {"terraform_state": {"path": "infra.tfstate"}}},
    # maxmemory is derived from the memory limit: an environment that sets resources names one.
    ("resources", "requests", "cpu"): {"resources": {"limits": {"memory": "256Mi"}}},
    ("resources", "requests", "memory"): {"resources": {"limits": {"memory": "256Mi"}}},
    ("resources", "limits", "cpu"): {"resources": {"limits": {"memory": "256Mi"}}},
}
# Memory sizes whose every ambiguous value (1e3, .5, 012: bytes) is too small for Redis: refused by
# validation (generator/validate/crossfield.py), so none reaches a file.
TOO_SMALL: dict[Path_, str] = {("resources", "limits", "memory"): "is below 64Mi", ("maxmemory",): "is below 16Mi"}
# The other fields of an array's object item.
SIBLINGS: dict[Path_, dict[str, Any]] = {
    ("policy_exceptions", "[]"): {"rule": "TR-NET-001"},
    ("plan_acknowledgements", "[]"): {"finding": "forbidden", "object": "StatefulSet/redis-master",
                                      "reason": "a reason"},
}
# Settings an environment file may not hold at all (the case is not built), and why.
ELSEWHERE: dict[Path_, str] = {
    ("plan_acknowledgements", "[]", "environment"): "valid only in environments/_common.yaml",
}
# Settings that reach no generated file, and why (a new one that reaches none fails the test
# until it is listed here, or made to reach its file).
# Settings whose value lands inside a longer string (a script), not as a value of its own.
EMBEDDED: dict[str, Callable[[str], str]] = {"acl_username": lambda v: f"user {v} on #"}
NOT_IN_FILES: dict[str, str] = {
    "region": "checked against the ECR registry; Kubernetes never sees it",
    "ecr_source": "where ecr_registry/ecr_repository are resolved from; only the result is rendered",
    "images": "where `mirror` copies an image from; rendered is the ECR copy (digests are checked below)",
    "policy_exceptions": "read by `check`'s policy report only",
    "plan_acknowledgements": "read by `plan` only",
}


def _resolved(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """`node` with its local $ref (#/a/b) followed, its own keywords kept."""
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def string_settings() -> list[tuple[Path_, dict[str, Any]]]:
    """(path, schema) of every string setting; "[]" in a path is an array's item."""
    root = schema.load_schema()
    found: list[tuple[Path_, dict[str, Any]]] = []

    def walk(node: dict[str, Any], path: Path_) -> None:
        node = _resolved(node, root)
        if node.get("type") == "string" or ("enum" in node and all(isinstance(e, str) for e in node["enum"])):
            found.append((path, {**node, "$defs": root["$defs"]}))
        for key, child in node.get("properties", {}).items():
            walk(child, (*path, key))
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            walk(node["items"], (*path, "[]"))

    walk(root, ())
    return found


def admitted(node: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(node)
    return [v for v in AMBIGUOUS if validator.is_valid(v)]


def placed(path: Path_, value: Any, at: Path_ = ()) -> Any:
    """`value` at `path`, as environment data (`at`: where this part of the path starts)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "[]":
        item = placed(rest, value, (*at, head))
        if isinstance(item, dict):
            item = {**SIBLINGS.get((*at, head), {}), **item}
        return [item]
    return {head: placed(rest, value, (*at, head))}


def cases() -> list[tuple[Path_, str]]:
    return [(path, v) for path, node in string_settings() if path not in ELSEWHERE for v in admitted(node)]


def test_the_settings_are_enumerated_from_the_schema() -> None:
    names = {".".join(p) for p, _ in string_settings()}
    # A few known ones, nested and referenced: the walk follows $ref and nested objects.
    assert {"image_tag", "secret_name", "namespace", "argocd.target_revision", "acl_username",
            "images.redis.source", "ecr_source.terraform_state.bucket"} <= names
    assert len(cases()) > 100  # most settings admit several of the values


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_project.copy(tmp_path_factory.mktemp("strings") / "project", subchart=False)


def _write_case(root: Path, name: str, extra: dict[str, Any]) -> None:
    data = yamlio.load((root / "environments" / f"{BASE_ENV}.yaml").read_text()) or {}
    values.deep_update(data, copy.deepcopy(extra))
    data["env"] = name
    (root / "environments" / f"{name}.yaml").write_text(yamlio.dump_document(data))


def _leaves(data: Any) -> Iterator[Any]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _leaves(value)
    elif isinstance(data, list):
        for value in data:
            yield from _leaves(value)
    else:
        yield data


def _json(data: Any) -> Any:
    return json.loads(json.dumps(data))


def test_every_generated_file_reads_the_same_in_helm(root: Path) -> None:
    texts: dict[str, str] = {}  # file for Helm -> text
    meant: dict[str, Any] = {}  # file for Helm -> the data the generator meant
    by_case: dict[int, list[str]] = {}
    refused: list[tuple[Path_, str, str]] = []
    for i, (path, value) in enumerate(cases()):
        name = value if path == ("env",) else f"c{i}"  # env names the file: an environment called 1e3
        extra = copy.deepcopy(CONTEXT.get(path, {}))
        values.deep_update(extra, placed(path, value))
        _write_case(root, name, extra)
        env = environment.load(root, name)
        try:
            settings = schema.validate(env)
        except ValidationError as e:
            refused.append((path, value, str(e)))
            continue
        assert _at(settings, env, path) == value, f"{'.'.join(path)}: {value!r} did not reach the settings as given"
        files = {**{f"chart/{k}": v for k, v in chart.chart_files(settings, env.file).items()
                    if k != values.SHARED_FILE},
                 **argocd.files(settings, env.file)}
        meant[f"{i}-values"] = _json(values.env_values(settings))
        meant[f"{i}-app"] = _json(argocd.application(settings))
        meant[f"{i}-chart"] = _json(yamlio.load(files["chart/Chart.yaml"]))
        for key, rel in ((f"{i}-values", f"chart/values-{name}.yaml"), (f"{i}-app", f"argocd/{name}.yaml"),
                         (f"{i}-chart", "chart/Chart.yaml")):
            texts[key] = files[rel]
        by_case[i] = [f"{i}-values", f"{i}-app", f"{i}-chart"]
    read = helm_yaml.read(texts)
    for key, data in meant.items():
        assert read[key] == data, f"{key}: Helm reads\n{texts[key]}\nas {read[key]}, the generator meant {data}"
    unplaced = []
    for i, (path, value) in enumerate(cases()):
        if i in by_case and path[0] not in NOT_IN_FILES:
            leaves = [leaf for key in by_case[i] for leaf in _leaves(read[key])]
            embedded = EMBEDDED.get(".".join(path))
            if value not in leaves and not (embedded and any(isinstance(leaf, str) and embedded(value) in leaf
                                                             for leaf in leaves)):
                unplaced.append(f"{'.'.join(path)}={value!r}")
    assert not unplaced, f"settings whose value reaches no generated file (list them in NOT_IN_FILES): {unplaced}"
    # The only refusals: settings the Bitnami chart writes unquoted, each with its own message, and
    # memory sizes too small for Redis.
    for path, value, message in refused:
        if path in TOO_SMALL:
            assert TOO_SMALL[path] in message, (path, value, message)
            continue
        assert path[0] in UNQUOTED_SETTINGS and "would reach Kubernetes as a number, boolean or null" in message, \
            (path, value, message)


def _at(settings: Settings, env: environment.Environment, path: Path_) -> Any:
    """The value of `path` as validation left it (in the merged settings)."""
    node: Any = {**schema.defaults(), **env.settings}
    for key in path:
        node = node[0] if key == "[]" else node[key]
    return node


def test_mirror_pin_keeps_image_sources_strings(root: Path) -> None:
    digest = "sha256:" + "0" * 64
    pinned = {}
    for i, value in enumerate(admitted(dict(string_settings())[("images", "redis", "source")])):
        name = f"pin{i}"
        _write_case(root, name, {"images": {"redis": {"source": value}}})
        mirror.pin(root, f"environments/{name}.yaml", {"redis": digest})
        pinned[name] = value
    read = helm_yaml.read({n: (root / "environments" / f"{n}.yaml").read_text() for n in pinned})
    for name, value in pinned.items():
        assert read[name]["images"]["redis"] == {"source": value, "digest": digest}, name
        assert environment.load(root, name).settings["images"]["redis"]["source"] == value


# --- the rendered objects ------------------------------------------------------------------------

Objects = list[dict[str, Any]]


def _named(objects: Objects, kind: str) -> Objects:
    return [o for o in objects if o.get("kind") == kind]


def _netpol_namespaces(objects: Objects, port: int) -> list[str]:
    return [peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for policy in _named(objects, "NetworkPolicy") for rule in policy["spec"]["ingress"]
            if any(p["port"] == port for p in rule["ports"]) for peer in rule["from"] if "namespaceSelector" in peer]


def _containers(objects: Objects) -> list[dict[str, Any]]:
    return [c for s in _named(objects, "StatefulSet") for c in s["spec"]["template"]["spec"]["containers"]]


def _image_tags(objects: Objects, container: str) -> list[str]:
    return [c["image"].rsplit(":", 1)[1] for c in _containers(objects) if c["name"] == container]


def _resources(side: str, kind: str) -> Callable[[Objects], list[Any]]:
    return lambda objs: [c["resources"][side][kind] for c in _containers(objs) if c["name"] == "redis"]


def _acl_volume(objects: Objects) -> list[str]:
    return [v["secret"]["secretName"] for s in _named(objects, "StatefulSet")
            for v in s["spec"]["template"]["spec"]["volumes"] if v["name"] == "backend-acl"]


# setting -> (needs the subchart, where its value lands in the rendered objects)
RENDERED: dict[str, tuple[bool, Callable[[Objects], list[Any]]]] = {
    "namespace": (False, lambda objs: [o["metadata"]["namespace"] for o in objs if "namespace" in o["metadata"]]),
    "release_name": (False, lambda objs: [o["metadata"]["labels"]["app.kubernetes.io/instance"] for o in objs
                                          if "app.kubernetes.io/instance" in o["metadata"].get("labels", {})]),
    "backend_namespace": (False, lambda objs: _netpol_namespaces(objs, 6379)),
    "monitoring_namespace": (False, lambda objs: _netpol_namespaces(objs, 9121)),
    "aws_secret_name": (False, lambda objs: [d["remoteRef"]["key"] for e in _named(objs, "ExternalSecret")
                                             for d in e["spec"]["data"]]),
    "secret_store_name": (False, lambda objs: [e["spec"]["secretStoreRef"]["name"]
                                               for e in _named(objs, "ExternalSecret")]),
    "image_tag": (True, lambda objs: _image_tags(objs, "redis")),
    "metrics_image_tag": (True, lambda objs: _image_tags(objs, "metrics")),
    "acl_secret_name": (True, _acl_volume),
    "acl_username": (True, lambda objs: [m for o in _named(objs, "ConfigMap") for script in o.get("data", {}).values()
                                         for m in re.findall(r'echo "user (\S+) on #', str(script)) if m != "default"]),
    "ecr_registry": (True, lambda objs: [c["image"].split("/", 1)[0] for c in _containers(objs)]),
    "ecr_repository": (True, lambda objs: [c["image"].split("/", 1)[1].rsplit(":", 1)[0] for c in _containers(objs)]),
    "storage_size": (True, lambda objs: [t["spec"]["resources"]["requests"]["storage"]
                                         for o in _named(objs, "StatefulSet")
                                         for t in o["spec"].get("volumeClaimTemplates", [])]),
    **{f"resources.{side}.{kind}": (True, _resources(side, kind))
       for side in ("requests", "limits") for kind in ("cpu", "memory")},
}


def _render_cases(root: Path, subchart: bool) -> list[tuple[str, dict[str, str], Objects]]:
    """One environment per ambiguous value, every RENDERED setting that admits it set to it;
    rendered in one go, each rendered document read back by Helm's reader."""
    nodes = dict(string_settings())
    envs: list[tuple[str, dict[str, str]]] = []
    for i, value in enumerate(AMBIGUOUS):
        given = {s: value for s, (needs, _) in RENDERED.items() if (subchart or not needs)
                 and tuple(s.split(".")) not in TOO_SMALL and value in admitted(nodes[tuple(s.split("."))])}
        if given:
            name = f"r{i}"
            # A memory limit Redis fits in: the ambiguous ones are all refused (TOO_SMALL).
            extra: dict[str, Any] = {"acl_enabled": True, "resources": {"limits": {"memory": "256Mi"}}}
            for setting, v in given.items():
                values.deep_update(extra, placed(tuple(setting.split(".")), v))
            _write_case(root, name, extra)
            envs.append((name, given))
    prepared = [pipeline.prepare(root, name, resolve_ecr=False) for name, _ in envs]
    results = renders.render_checked(root, [p.settings for p in prepared], [p.env.file for p in prepared],
                                      lint_each=False)
    texts = {f"{name}-{j}.yaml": doc for (name, _), result in zip(envs, results, strict=True)
             for j, doc in enumerate(result.rendered.split("\n---\n")) if doc.strip().strip("-").strip()}
    read = helm_yaml.read(texts)
    return [(name, given, [o for k, o in read.items() if k.startswith(f"{name}-") and o]) for name, given in envs]


@pytest.mark.parametrize("subchart", [False, pytest.param(True, marks=pytest.mark.subchart)])
def test_the_rendered_objects_carry_each_value_as_given(tmp_path: Path, subchart: bool) -> None:
    if subchart and fixture_project.archive() is None:
        pytest.skip(fixture_project.SKIP_NO_SUBCHART)
    root = fixture_project.copy(tmp_path / "project", subchart=subchart)
    checked = set()
    for name, given, objects in _render_cases(root, subchart):
        for setting, value in given.items():
            found = RENDERED[setting][1](objects)
            assert found and all(f == value for f in found), f"{name}: {setting}={value!r} rendered as {found}"
            checked.add(setting)
    assert checked == {s for s, (needs, _) in RENDERED.items()
                       if (subchart or not needs) and tuple(s.split(".")) not in TOO_SMALL}


def test_the_application_is_read_the_same_by_argo_cd(root: Path) -> None:
    """argocd/<env>.yaml is rendered by Jinja2 through the same dumper: Helm's reader (Argo CD's
    is the same Go YAML) finds each argocd.* value and the namespace as given."""
    apps = {}
    for i, value in enumerate(AMBIGUOUS):
        given = {k: value for k in ("target_revision", "project", "namespace")
                 if value in admitted(dict(string_settings())[("argocd", k)])}
        namespace = value if value in admitted(dict(string_settings())[("namespace",)]) else "redis"
        name = f"a{i}"
        _write_case(root, name, {"argocd": given, "namespace": namespace})
        env = environment.load(root, name)
        apps[name] = (given, namespace, argocd.files(schema.validate(env), env.file)[f"argocd/{name}.yaml"])
    read = helm_yaml.read({n: text for n, (_, _, text) in apps.items()})
    for name, (given, namespace, _) in apps.items():
        spec = read[name]["spec"]
        got = {"target_revision": spec["source"]["targetRevision"], "project": spec["project"],
               "namespace": read[name]["metadata"]["namespace"]}
        assert {k: got[k] for k in given} == given, name
        assert spec["destination"]["namespace"] == namespace, name
