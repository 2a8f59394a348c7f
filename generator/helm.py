"""Find the pinned helm binary and run it the way Argo CD's repo-server does."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import ToolError

PROJECT = Path(__file__).resolve().parent.parent
PINNED = PROJECT / ".tools" / "bin" / "helm"
# The two Helm lines Argo CD ships: Helm 3 up to Argo CD 3.4, Helm 4 from 3.5 (tools.lock pins both).
PINNED_LINES = {"helm3": PROJECT / ".tools" / "bin" / "helm3", "helm4": PINNED}
TIMEOUT_S = 120


def find_helm() -> str:
    """$HELM, else `helm` on PATH, else the copy `scripts/setup` pinned under .tools/."""
    explicit = os.environ.get("HELM")
    if explicit:
        found = shutil.which(explicit)
        if not found:
            raise ToolError(f"HELM={explicit!r} is not an executable")
        return found
    on_path = shutil.which("helm")
    if on_path:
        return on_path
    if os.access(PINNED, os.X_OK):
        return str(PINNED)
    raise ToolError("helm not found: run scripts/setup (installs the pinned helm into .tools/bin) or set HELM")


@dataclass(frozen=True)
class Render:
    release: str
    namespace: str
    kube_version: str
    values: tuple[Path, ...]
    api_versions: tuple[str, ...] = ()


def template_args(chart: Path, render: Render) -> list[str]:
    """`helm template` as Argo CD calls it: release, namespace, kube version, CRDs included."""
    args = ["template", render.release, str(chart), "--namespace", render.namespace,
            "--kube-version", render.kube_version, "--include-crds"]
    for api in render.api_versions:
        args += ["--api-versions", api]
    for values in render.values:
        args += ["--values", str(values)]
    return args


def lint_args(chart: Path, render: Render) -> list[str]:
    # --strict: lint's findings beyond a failed render are warnings (an object name Kubernetes
    # refuses, a deprecated API), which neither `helm template` nor the JSON schemas catch.
    args = ["lint", str(chart), "--namespace", render.namespace, "--kube-version", render.kube_version, "--quiet",
            "--strict"]
    for values in render.values:
        args += ["--values", str(values)]
    return args


def run(args: Sequence[str], helm: str | None = None, timeout: float = TIMEOUT_S) -> str:
    """Run helm; on failure raise ToolError showing the command, exit code and stderr."""
    binary = helm or find_helm()
    command = [binary, *args]
    # helm lives for a fraction of a second: garbage collection is ~15% of its CPU time and
    # buys nothing. GOMEMLIMIT keeps a ceiling (a render here peaks near 75 MB); set either
    # variable to override.
    env = {"GOGC": "off", "GOMEMLIMIT": "1GiB", **os.environ, "HELM_NO_PLUGINS": "1"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as e:  # run() has killed helm by now
        raise ToolError(f"helm did not finish in {timeout:g} s (stopped): {' '.join(command)}") from e
    except OSError as e:
        raise ToolError(f"cannot run {binary}: {e.strerror}") from e
    if done.returncode != 0:
        # lint prints its findings on stdout and only a summary on stderr: show both.
        lines = done.stdout.strip().splitlines()[-40:] + done.stderr.strip().splitlines()
        detail = "\n".join("    " + line for line in lines)
        raise ToolError(f"helm failed (exit {done.returncode}): {' '.join(command)}\n{detail}")
    return done.stdout
