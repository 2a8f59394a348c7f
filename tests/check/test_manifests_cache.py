"""manifests.validate(cached=True): a passing validation is keyed on the objects, the schema
files of their kinds (ours and kubernetes-validate's), kubeconform's presence and the code --
each changed in turn misses -- and a hit is the Summary a fresh validation gives. Failures, a
Secret carrying data and uncached calls leave nothing behind."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.check import manifests
from generator.core import cache, paths

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "conf", "namespace": "redis"},
             "data": {"redis.conf": "appendonly yes\n"}}
POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "allow", "namespace": "redis"},
          "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}


def _objects() -> list[dict[str, Any]]:
    return [copy.deepcopy(CONFIGMAP), copy.deepcopy(POLICY)]


def _entries() -> int:
    folder = cache.directory() / "manifests"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def test_every_input_of_a_validation_is_in_its_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    objects = _objects()
    seen = {"baseline": manifests._key(objects, "1.33").hexdigest()}

    def differs(what: str, objs: list[dict[str, Any]] | None = None, kube_version: str = "1.33") -> None:
        digest = manifests._key(objs if objs is not None else objects, kube_version).hexdigest()
        assert digest not in seen.values(), f"{what}: same key as {[k for k, v in seen.items() if v == digest]}"
        seen[what] = digest

    changed = _objects()
    changed[0]["data"]["redis.conf"] = "appendonly no\n"
    differs("an object's value", changed)
    differs("one object less", objects[:1])
    differs("the objects in another order", objects[::-1])
    differs("another Kubernetes version", kube_version="1.32")

    # kubernetes-validate's schema files, by identity: a private copy of the 1.33 schemas.
    schemas = tmp_path / "schemas"
    source = manifests._schema_dir("1.33")
    shutil.copytree(source, schemas / source.name)
    monkeypatch.setattr(manifests, "schema_root", lambda: schemas)
    differs("the schemas installed elsewhere")
    for name in ("configmap-v1.json", "networkpolicy-networking-v1.json", "_definitions.json"):
        os.utime(schemas / source.name / name, ns=(1, 1))
        differs(f"{name} reinstalled")

    crds = tmp_path / "crds"
    shutil.copytree(paths.CRD_DIR, crds)
    monkeypatch.setattr(paths, "CRD_DIR", crds)
    first = sorted(crds.glob("*.json"))[0]
    first.write_text(first.read_text() + "\n")
    differs("one of our CRD schemas")

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubeconform").write_text("#!/bin/sh\nexit 0\n")  # only looked at, never run here
    (bin_dir / "kubeconform").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    differs("kubeconform on PATH")

    code = tmp_path / "package"
    for module in ("check/manifests.py", "check/crds.py", "core/k8s.py", "core/paths.py"):
        (code / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(cache.PACKAGE / module, code / module)
    monkeypatch.setattr(cache, "PACKAGE", code)
    (code / "check" / "manifests.py").write_text((code / "check" / "manifests.py").read_text() + "\n# changed\n")
    differs("the validator's code")


def test_a_hit_is_the_summary_of_a_fresh_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = manifests.validate(_objects(), "1.33")
    assert _entries() == 0  # not asked to cache
    assert manifests.validate(_objects(), "1.33", cached=True) == fresh
    assert _entries() == 1

    def no_validation(*_: object) -> manifests.Summary:
        raise AssertionError("validated on a hit")

    monkeypatch.setattr(manifests, "_validate", no_validation)
    hit = manifests.validate(_objects(), "1.33", cached=True)
    assert hit == fresh and hit.line("dev") == fresh.line("dev")


def test_custom_resources_and_skipped_kinds_come_back_as_they_were() -> None:
    objects = [*_objects(), {"apiVersion": "example.com/v1", "kind": "Unknown", "metadata": {"name": "x"}}]
    fresh = manifests.validate(objects, "1.33", cached=True)
    assert fresh.skipped == ("Unknown",)
    assert manifests.validate(objects, "1.33", cached=True) == fresh


def test_invalid_objects_are_never_cached() -> None:
    objects = _objects()
    objects[1]["spec"]["podSelecter"] = {}  # strict schemas refuse an unknown field
    first = manifests.validate(objects, "1.33", cached=True)
    assert first.errors and _entries() == 0
    assert manifests.validate(objects, "1.33", cached=True) == first


def test_a_secret_with_data_is_never_part_of_a_key() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque",
              "data": {"redis-password": "bm90LWEtcmVhbC1vbmU="}}
    assert not manifests.validate([*_objects(), secret], "1.33", cached=True).errors
    assert _entries() == 0
    empty = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque"}
    manifests.validate([*_objects(), empty], "1.33", cached=True)
    assert _entries() == 1
