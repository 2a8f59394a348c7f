"""Stand-ins for the Bitnami redis chart. A Helm chart named redis that the tests package and push
themselves with the real helm (4.1.4 and 3.17.3), and the helm runner they use: its own
HELM_*_HOME per test, so no login or cache of the machine is read or written. And a bare archive
(redis/Chart.yaml and redis/values.yaml only, make_archive) for the code that finds and reads
chart/charts/redis-<version>.tgz.

The stand-in's values.yaml can carry the keys a project sets for the subchart, so that `build`
with the fetched stand-in passes the subchart key check as it would with Bitnami's archive.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import pinned_tool
from tests.support.registries import LocalRegistry

HELMS = {"helm4": pinned_tool("helm"), "helm3": pinned_tool("helm3")}


@dataclass(frozen=True)
class Helm:
    name: str
    binary: Path
    home: Path

    def run(self, *args: str, check: bool = True, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HELM_CONFIG_HOME": str(self.home / "config"), "HELM_CACHE_HOME": str(self.home / "cache"),
               "HELM_DATA_HOME": str(self.home / "data"), "HELM_NO_PLUGINS": "1"}
        done = subprocess.run([str(self.binary), *args], capture_output=True, text=True, env=env, timeout=timeout,
                              check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"{self.name} {' '.join(args)} failed: {done.stderr}{done.stdout}")
        return done

    def push(self, tgz: Path, registry: LocalRegistry, namespace: str) -> str:
        """helm push (plain HTTP: a loopback registry); the manifest digest it prints."""
        args = ["push", str(tgz), f"oci://{registry.host}/{namespace}", "--plain-http"]
        if registry.username:
            args += ["--username", registry.username, "--password", registry.password or ""]
        out = self.run(*args)
        found = re.search(r"^Digest: (sha256:[0-9a-f]{64})$", out.stdout + out.stderr, re.M)
        assert found, out.stdout + out.stderr
        return found.group(1)


def sha(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def package(base: Path, helm: Helm, version: str, marker: str = "v1", values: dict[str, Any] | None = None) -> Path:
    """redis-<version>.tgz, packaged by the real helm; `marker` changes its bytes, `values` are
    its defaults (e.g. every key a project sets for the subchart)."""
    src = base / f"src-{version}-{marker}" / "redis"
    (src / "templates").mkdir(parents=True)
    (src / "Chart.yaml").write_text(
        "apiVersion: v2\nname: redis\ndescription: stand-in for the Bitnami redis chart (tests)\n"
        f"type: application\nversion: {version}\nappVersion: \"8.2.1\"\nannotations:\n  category: Database\n")
    (src / "values.yaml").write_text(yaml.safe_dump({**(values or {}), "marker": marker}, sort_keys=True))
    (src / "templates" / "probe.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-probe\n"
        "data:\n  marker: {{ .Values.marker | quote }}\n")
    out = base / f"pkg-{version}-{marker}"
    helm.run("package", str(src), "--destination", str(out))
    return out / f"redis-{version}.tgz"


def subchart_keys(project: Path) -> dict[str, Any]:
    """Every key the project's environments set under `redis:` (chart/values.yaml and each
    values-<env>.yaml, as last built, merged): defaults for a stand-in the key check accepts."""

    def merge(a: Any, b: Any) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            return {**a, **{k: merge(a.get(k), v) for k, v in b.items()}}
        return b

    merged: dict[str, Any] = {}
    for path in [project / "chart" / "values.yaml", *sorted((project / "chart").glob("values-*.yaml"))]:
        merged = merge(merged, yaml.safe_load(path.read_text()).get("redis") or {})
    merged.pop("enabled", None)
    return merged


_SHARED = re.compile(r"^(chart_version|chart_repository|chart_source|chart_digest)[ \t]*:.*\n", re.M)


def use_chart(project: Path, version: str, repository: str, source: str = "", digest: str = "") -> None:
    """Set the shared chart settings in environments/_common.yaml (the other lines kept)."""
    common = project / "environments" / "_common.yaml"
    lines = [f"chart_version: {version}", f"chart_repository: {repository}"]
    lines += [f"chart_source: {source}"] if source else []
    lines += [f"chart_digest: {digest}"] if digest else []
    common.write_text(_SHARED.sub("", common.read_text()) + "\n".join(lines) + "\n")


def point_at_ecr(project: Path, ecr: LocalRegistry, hub: LocalRegistry, env: str = "dev") -> None:
    """The environment's images in the test's ECR (redis only, its source in the test's hub)."""
    path = project / "environments" / f"{env}.yaml"
    text = re.sub(r"^(ecr_(registry|repository)|image_tag|metrics_.*|images):.*\n", "", path.read_text(), flags=re.M)
    path.write_text(text + f"ecr_registry: {ecr.host}\necr_repository: twofa/{env}\nimage_tag: redis-8.2.1\n"
                    f"metrics_enabled: false\nimages:\n  redis:\n    source: {hub.host}/bitnami/redis:8.2.1\n")


# --- a bare archive, as chart/charts/ may hold one ---------------------------------------------

DEFAULTS = {
    "image": {"registry": "docker.io", "repository": "bitnami/redis", "tag": "8"},
    "auth": {"enabled": True, "existingSecret": "", "existingSecretPasswordKey": ""},
    "master": {"resources": {}, "resourcesPreset": "nano", "persistence": {"enabled": True, "size": "8Gi"},
               "podLabels": {}},
    "commonConfiguration": "appendonly yes",
}


def make_archive(path: Path, version: str = "23.1.1", values: object = DEFAULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("redis/Chart.yaml", {"name": "redis", "version": version}), ("redis/values.yaml", values)):
            blob = yaml.safe_dump(data).encode()
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path
