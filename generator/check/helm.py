"""Find the pinned helm binary and run it the way Argo CD's repo-server does."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.core import paths
from generator.core.errors import ToolError

# The two Helm lines Argo CD ships: Helm 3 up to Argo CD 3.4, Helm 4 from 3.5 (tools.lock pins
# both): their names under .tools/bin/.
PINNED_LINES = {"helm3": "helm3", "helm4": "helm"}
TIMEOUT_S = 120


def find_helm(root: Path | None = None) -> str:
    """$HELM, else the helm scripts/setup pinned in <root>/.tools/bin, else `helm` on PATH."""
    return paths.tool("helm", root, "HELM")


@dataclass(frozen=True)
class Render:
    release: str
    namespace: str
    kube_version: str
    values: tuple[Path, ...]
    api_versions: tuple[str, ...] = ()
    # A values document helm reads from its stdin (`--values -`, last: highest precedence): the
    # password reaches helm through a pipe, never through a file on disk.
    stdin: str | None = field(default=None, repr=False)


def _values_args(render: Render) -> list[str]:
    args: list[str] = []
    for values in render.values:
        args += ["--values", str(values)]
    return args + (["--values", "-"] if render.stdin is not None else [])


def template_args(chart: Path, render: Render, schema_checked: bool = False) -> list[str]:
    """`helm template` as Argo CD calls it: release, namespace, kube version, CRDs included.
    schema_checked: the values are known to pass the charts' values.schema.json (a `helm lint`
    of the same chart and values passed: generator/check/helmcache.py), so helm need not check
    them again (a fifth of a render with the Bitnami subchart)."""
    args = ["template", render.release, str(chart), "--namespace", render.namespace,
            "--kube-version", render.kube_version, "--include-crds"]
    for api in render.api_versions:
        args += ["--api-versions", api]
    return args + (["--skip-schema-validation"] if schema_checked else []) + _values_args(render)


def lint_args(chart: Path, render: Render) -> list[str]:
    # --strict: lint's findings beyond a failed render are warnings (an object name Kubernetes
    # refuses, a deprecated API), which neither `helm template` nor the JSON schemas catch.
    args = ["lint", str(chart), "--namespace", render.namespace, "--kube-version", render.kube_version, "--quiet",
            "--strict"]
    return args + _values_args(render)


def run(args: Sequence[str], helm: str | None = None, timeout: float = TIMEOUT_S, root: Path | None = None,
        stdin: str | None = None) -> str:
    """Run helm (`helm`, else find_helm(root)), `stdin` on its standard input (for `--values -`);
    on failure raise ToolError showing the command, exit code and helm's error, on one line."""
    binary = helm or find_helm(root)
    command = [binary, *args]
    # helm lives for a fraction of a second: garbage collection is ~15% of its CPU time and
    # buys nothing. GOMEMLIMIT keeps a ceiling (a render here peaks near 75 MB); set either
    # variable to override.
    env = {"GOGC": "off", "GOMEMLIMIT": "1GiB", **os.environ, "HELM_NO_PLUGINS": "1"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False,
                              input=stdin if stdin is not None else "")
    except subprocess.TimeoutExpired as e:  # run() has killed helm by now
        raise ToolError(f"helm did not finish in {timeout:g} s (stopped): {' '.join(command)}") from e
    except OSError as e:
        raise ToolError(f"cannot run {binary}: {e.strerror}") from e
    if done.returncode != 0:
        detail = _detail(done.stdout, done.stderr)
        raise ToolError(f"helm failed (exit {done.returncode}): {' '.join(command)}: {detail}")
    return done.stdout


MAX_DETAIL = 1000


def _detail(stdout: str, stderr: str) -> str:
    """What went wrong, on one line: lint prints its findings on stdout and only a summary on
    stderr, so both count (without lint's `==> Linting` headers)."""
    lines = [line.strip() for line in (stdout.strip().splitlines()[-40:] + stderr.strip().splitlines())
             if line.strip() and not line.startswith("==> ")]
    text = " | ".join(lines) or "no output"
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."
