"""Validate rendered Kubernetes objects against the official JSON schemas, strictly.

kubeconform is used when it is on PATH; otherwise the strict schemas that the
`kubernetes-validate` package ships (the same layout kubeconform reads) are applied here,
each schema compiled once per process.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core import cache, yamlio
from generator.core.errors import CheckError, ToolError
from generator.core.k8s import name_of, schema_file
from generator.core.wording import plural


@dataclass(frozen=True)
class Summary:
    validated: int
    skipped: tuple[str, ...] = ()  # kinds without a schema (custom resources)
    errors: tuple[str, ...] = ()
    tool: str = "kubernetes-validate"
    kube_version: str = ""
    custom: int = 0  # of `validated`, custom resources checked against schemas/crds/ (ours)

    def line(self, env: str) -> str:
        skipped = f", {len(self.skipped)} skipped ({', '.join(sorted(set(self.skipped)))})" if self.skipped else ""
        verdict = "ok" if not self.errors else f"{len(self.errors)} invalid"
        custom = (f", {self.custom} of them {'a custom resource' if self.custom == 1 else 'custom resources'} against "
                  "schemas/crds/" if self.custom else "")
        return (f"{env}: {plural(self.validated, 'object')} valid against Kubernetes {self.kube_version} schemas "
                f"({self.tool}){custom}{skipped}: {verdict}")


def parse(stream: str) -> list[dict[str, Any]]:
    """The objects of a multi-document YAML stream, empty documents dropped."""
    try:
        docs = list(yamlio.load_all_as_kubernetes(stream))
    except yamlio.YAMLError as e:
        raise CheckError(f"rendered manifests are not valid YAML: {e}") from e
    objects = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
            raise CheckError(f"rendered document is not a Kubernetes object: {str(doc)[:80]!r}")
        if doc["kind"].endswith("List") and isinstance(doc.get("items"), list):
            objects.extend(doc["items"])
        else:
            objects.append(doc)
    return objects


def schema_root() -> Path:
    # Found, not imported: importing kubernetes_validate costs ~25 ms and only its files are used.
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a broken install
        raise ToolError("kubernetes-validate is not installed: run scripts/setup")
    return Path(spec.submodule_search_locations[0]).resolve() / "kubernetes-json-schema"


def _schema_dir(kube_version: str) -> Path:
    wanted = tuple(int(p) for p in kube_version.split(".")[:2])
    available = []
    for d in schema_root().glob("v*-local-strict"):
        m = re.match(r"^v(\d+)\.(\d+)\.\d+-local-strict$", d.name)
        if m:
            available.append(((int(m.group(1)), int(m.group(2))), d))
    candidates = [d for v, d in sorted(available) if v <= wanted]
    if not candidates or sorted(available)[-1][0] < wanted:
        known = ", ".join(f"{a}.{b}" for (a, b), _ in sorted(available))
        raise ToolError(f"no Kubernetes {kube_version} schemas in kubernetes-validate (has {known})")
    return candidates[-1]


@functools.cache
def _validator(schema_dir: Path, filename: str) -> Any:
    import jsonschema

    path = schema_dir / filename
    if not path.exists():
        return None
    schema = json.loads(path.read_text())
    return jsonschema.Draft202012Validator(schema, registry=_registry(schema_dir))


@functools.cache
def _registry(schema_dir: Path) -> Any:
    """One registry per schema directory, shared by every validator. `_definitions.json` is
    registered under its own $id, the URI the kind schemas refer to: found that way, no
    lookup has to crawl its ~70,000 subschemas (which took ~0.1 s per object kind)."""
    from referencing import Registry, Resource

    definitions = Resource.from_contents(json.loads((schema_dir / "_definitions.json").read_text()))
    return Registry().with_resources([
        (definitions.id() or "_definitions.json", definitions),
        ("_definitions.json", definitions),
    ])


def validate(objects: Sequence[dict[str, Any]], kube_version: str, cached: bool = False) -> Summary:
    """Every object against its strict schema; kubeconform when installed. Custom resources
    (ExternalSecret, Application) against the schemas this project writes in schemas/crds/.

    With `cached`, a passing result is kept (generator/core/cache.py) under the objects, the
    schema files they are checked against and the validator's code and packages. Callers pass
    it only for objects that cannot hold the password; a Secret with data is never cached anyway.
    """
    key = _key(objects, kube_version) if cached and not _secret_data(objects) else None
    if key is not None:
        saved = cache.get_json(key)
        if saved is not None:
            return Summary(saved["validated"], tuple(saved["skipped"]), (), saved["tool"], kube_version,
                           saved["custom"])
    summary = _validate(objects, kube_version)
    if key is not None and not summary.errors:
        cache.put_json(key, {"validated": summary.validated, "skipped": list(summary.skipped),
                             "tool": summary.tool, "custom": summary.custom})
    return summary


def _secret_data(objects: Sequence[dict[str, Any]]) -> bool:
    return any(o.get("kind") == "Secret" and (o.get("data") or o.get("stringData")) for o in objects)


def _key(objects: Sequence[dict[str, Any]], kube_version: str) -> cache.Key:
    """Everything a validation reads: the objects, the schema files of their kinds (ours and
    kubernetes-validate's), kubeconform's identity when it is used, and the code."""
    from generator.core.paths import CRD_DIR

    schema_dir = _schema_dir(kube_version)
    key = (cache.Key("manifests").data("objects", list(objects)).add("kube version", kube_version)
           .add("schema dir", str(schema_dir)).tree("crds", CRD_DIR)
           .code("check/manifests.py", "check/crds.py", "core/k8s.py", "core/paths.py")
           .package("jsonschema").package("referencing").package("kubernetes_validate"))
    for name in sorted({"_definitions.json", *(schema_file(o) for o in objects)}):
        key.data(f"schema {name}", _identity(schema_dir / name))
    kubeconform = shutil.which("kubeconform")
    return key.binary("kubeconform", kubeconform) if kubeconform else key.add("kubeconform", "absent")


def _identity(path: Path) -> tuple[int, int, int] | None:
    """An installed schema file by size, inode and modification time (reinstalling changes
    them); hashing _definitions.json (1.4 MB) would cost more than the lookup saves."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_ino, st.st_mtime_ns


def _validate(objects: Sequence[dict[str, Any]], kube_version: str) -> Summary:
    from generator.check import crds

    custom = [o for o in objects if crds.validator(o) is not None]
    rest = [o for o in objects if crds.validator(o) is None]
    custom_errors = [e for o in custom for e in crds.errors(o)]
    kubeconform = shutil.which("kubeconform")
    base = _kubeconform(kubeconform, rest, kube_version) if kubeconform else _validate_builtin(rest, kube_version)
    return Summary(base.validated + len(custom), base.skipped, (*custom_errors, *base.errors), base.tool,
                   kube_version, len(custom))


def _validate_builtin(objects: Sequence[dict[str, Any]], kube_version: str) -> Summary:
    schema_dir = _schema_dir(kube_version)
    validated, skipped, errors = 0, [], []
    for obj in objects:
        validator = _validator(schema_dir, schema_file(obj))
        if validator is None:
            skipped.append(str(obj["kind"]))
            continue
        validated += 1
        for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
            path = ".".join(str(p) for p in error.absolute_path) or "(object)"
            errors.append(f"{name_of(obj)}: {path}: {error.message}")
    return Summary(validated, tuple(skipped), tuple(errors), "kubernetes-validate", kube_version)


def _kubeconform(binary: str, objects: Iterable[dict[str, Any]], kube_version: str) -> Summary:
    schema_dir = _schema_dir(kube_version)
    location = str(schema_dir.parent / (schema_dir.name + "/{{ .ResourceKind }}{{ .KindSuffix }}.json"))
    stream = "".join("---\n" + yamlio.dump_document(o) for o in objects)
    command = [binary, "-strict", "-summary", "-output", "json", "-ignore-missing-schemas",
               "-kubernetes-version", kube_version, "-schema-location", location, "-"]
    done = subprocess.run(command, input=stream, capture_output=True, text=True, timeout=120, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError as e:
        raise ToolError(f"kubeconform failed (exit {done.returncode}): {done.stderr.strip()}") from e
    errors, skipped, validated = [], [], 0
    for res in report.get("resources", []):
        status = res.get("status")
        if status in ("statusInvalid", "statusError"):
            errors.append(f"{res.get('kind')}/{res.get('name')}: {res.get('msg')}")
        elif status == "statusSkipped":
            skipped.append(str(res.get("kind")))
    validated = report.get("summary", {}).get("valid", 0) + len(errors)
    return Summary(validated, tuple(skipped), tuple(errors), "kubeconform", kube_version)
