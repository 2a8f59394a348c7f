"""`diff <env>`: what a change to an environment would change in the rendered objects.

Old: the chart/ of the last commit (git HEAD), rendered the way that commit's
argocd/<env>.yaml tells Argo CD to render it (release, namespace, kube version, API versions),
i.e. what Argo CD deploys today. New: environments/ as they are now, through the generator and
the working chart/templates/, i.e. what `build` would write and Argo CD deploy after the merge.
The environment's Argo CD Application (argocd/<env>.yaml) is compared the same way.
Both are parsed into objects keyed by (apiVersion, kind, namespace, name) and compared per object
as YAML with sorted keys, so moving a key in a template is not a change. Secret data is masked.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generator import pipeline
from generator.bitnami import archive as subchart
from generator.check import helm, manifests
from generator.core.errors import UsageError
from generator.core.paths import CHART_DIR
from generator.core.settings import Settings
from generator.render import argocd
from generator.render.chart import strip_dependencies

Key = tuple[str, str, str, str]
MASK = "(masked)"


def object_diff(root: Path, env: str) -> str:
    """The object diff as text; empty when nothing changes."""
    prepared = pipeline.prepare(root, env)
    settings = prepared.settings
    (result,) = pipeline.render_checked(root, [settings], [prepared.env.file], password=None)
    new = _index(result.objects, settings.namespace)
    old_objects, old_ns = _committed(root, settings)
    old = _index(old_objects, old_ns)
    # The Application is part of what the environment file changes: sync policy, versions, source.
    for text in argocd.files(settings, prepared.env.file).values():
        new.update(_index(manifests.parse(text), ""))
    committed_app = _git(root, "show", f"HEAD:{_prefix(root)}{argocd.file_name(settings.env)}")
    if committed_app.returncode == 0:
        old.update(_index(manifests.parse(committed_app.stdout.decode()), ""))
    return diff(old, new)


def diff(old: dict[Key, dict[str, Any]], new: dict[Key, dict[str, Any]]) -> str:
    out: list[str] = []
    for key in sorted(set(old) | set(new)):
        before, after = _mask(old.get(key), new.get(key))
        a = _dump(before)
        b = _dump(after)
        if a == b:
            continue
        label = "/".join(part for part in key if part)
        out.extend(difflib.unified_diff(a, b, f"a/{label}" if before is not None else "/dev/null",
                                        f"b/{label}" if after is not None else "/dev/null"))
    return "".join(out)


def _dump(obj: dict[str, Any] | None) -> list[str]:
    if obj is None:
        return []
    return yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, width=1000).splitlines(keepends=True)


def _index(objects: list[dict[str, Any]], namespace: str) -> dict[Key, dict[str, Any]]:
    out = {}
    for obj in objects:
        meta = obj.get("metadata") or {}
        key = (str(obj.get("apiVersion")), str(obj.get("kind")), str(meta.get("namespace") or namespace),
               str(meta.get("name", "")))
        out[key] = obj
    return out


def _mask(old: dict[str, Any] | None, new: dict[str, Any] | None) -> tuple[Any, Any]:
    """Secret values replaced by a marker; a changed value shows as a changed marker, never itself."""
    if (old or new or {}).get("kind") != "Secret":
        return old, new
    old, new = _copy(old), _copy(new)
    for field in ("data", "stringData"):
        before = (old or {}).get(field) or {}
        after = (new or {}).get(field) or {}
        for k in after:
            same = k not in before or before[k] == after[k]
            after[k] = MASK if same else f"{MASK}, changed"
        for k in before:
            before[k] = MASK
    return old, new


def _copy(obj: Any) -> Any:
    return yaml.safe_load(yaml.safe_dump(obj)) if obj is not None else None


# --- the committed side ------------------------------------------------------------------

def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    if not shutil.which("git"):
        raise UsageError("diff compares with the last commit and needs git, which is not installed")
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=60)


def _prefix(root: Path) -> str:
    """Where root is inside its git work tree ("" at the top)."""
    prefix = _git(root, "rev-parse", "--show-prefix")
    if prefix.returncode != 0:
        raise UsageError(f"diff compares with the last commit, but {root} is not in a git repository")
    return prefix.stdout.decode().strip()


def _committed(root: Path, settings: Settings) -> tuple[list[dict[str, Any]], str]:
    where = _prefix(root)
    if _git(root, "rev-parse", "--verify", "-q", "HEAD").returncode != 0:
        return [], settings.namespace  # no commit yet: everything is new
    target = _committed_target(root, where, settings)
    with tempfile.TemporaryDirectory(prefix="twofa-redis.diff.") as tmp:
        chart = Path(tmp) / "chart"
        archive = _git(root, "archive", "--format=tar", f"HEAD:{where}{CHART_DIR}")
        if archive.returncode != 0:
            return [], target.namespace  # chart/ did not exist in the last commit
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(chart, filter="data")
        values = chart / f"values-{settings.env}.yaml"
        if not values.exists():
            return [], target.namespace  # a new environment
        found = subchart.find(root / CHART_DIR)  # git-ignored, so taken from the work tree
        if found is not None:
            (chart / "charts").mkdir(exist_ok=True)
            shutil.copy(found.archive, chart / "charts" / found.archive.name)
        else:
            strip_dependencies(chart)
        rendered = helm.run(helm.template_args(chart, dataclasses.replace(target, values=(values,))), root=root)
    return manifests.parse(rendered), target.namespace


def _committed_target(root: Path, where: str, settings: Settings) -> helm.Render:
    """How Argo CD renders the committed chart/ (values still to be added): what the committed
    Application tells it, or today's settings where there is none."""
    shown = _git(root, "show", f"HEAD:{where}argocd/{settings.env}.yaml")
    if shown.returncode == 0:
        try:
            app = yaml.safe_load(shown.stdout.decode())
            h = app["spec"]["source"]["helm"]
            return helm.Render(str(h["releaseName"]), str(app["spec"]["destination"]["namespace"]),
                               str(h.get("kubeVersion") or settings.kube_version), (),
                               tuple(h.get("apiVersions") or ()))
        except (yaml.YAMLError, KeyError, TypeError):
            pass  # an unreadable committed Application: fall back to today's settings
    return helm.Render(settings.release_name, settings.namespace, settings.kube_version, (), settings.api_versions)
