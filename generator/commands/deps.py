"""`deps`: fetch the Bitnami chart archive into chart/charts/ with `helm dependency build`, the
way Argo CD's repo-server does (build fetches it on its own, through the registry client).

A loopback registry is spoken to in plain HTTP (`--plain-http`: Helm 4 needs it, Helm 3.17 takes
it; never together with --insecure-skip-tls-verify, with which Helm 4 silently uses HTTPS). For
ECR the login goes into a private registry config for this one call, not into argv (ps would
show it) nor into the user's helm config. The archive helm wrote is then checked against
chart_digest.
"""

from __future__ import annotations

import argparse
import base64
import json
import tempfile
from pathlib import Path

from generator.bitnami import archive as subchart
from generator.check import helm
from generator.commands import root_of
from generator.core import atomic, yamlio
from generator.core.errors import CheckError, ToolError
from generator.core.paths import CHART_DIR
from generator.core.settings import Settings
from generator.images.refs import oci_location

DEFAULT_TIMEOUT_S = 60.0


def _settings(root: Path) -> Settings | None:
    """The shared chart settings (any environment has them: they are shared), unresolved."""
    from generator import pipeline
    from generator.load import discovery

    names = discovery.known_environments(root)
    return pipeline.prepare(root, names[0], resolve_ecr=False).settings if names else None


def _repository(chart: Path) -> str:
    meta = yamlio.load((chart / "Chart.yaml").read_text(encoding="utf-8")) or {}
    deps = [d for d in meta.get("dependencies") or [] if isinstance(d, dict)]
    return str(deps[0].get("repository", "")) if deps else ""


def build(root: Path, timeout: float = DEFAULT_TIMEOUT_S) -> str:
    chart = root / CHART_DIR
    settings = _settings(root)
    args = ["dependency", "build", str(chart)]
    found_host = oci_location(_repository(chart))
    with tempfile.TemporaryDirectory(prefix="twofa-redis-deps.") as tmp:
        if found_host:
            from generator.images import chart as charts
            from generator.images.transport import is_loopback

            host = found_host[0]
            if is_loopback(host):
                args.append("--plain-http")
            if settings is not None and charts.is_ours(settings, host):
                args += ["--registry-config", _registry_config(Path(tmp), settings, host)]
        try:
            # Bounded: an unreachable registry that drops packets would otherwise hold CI for minutes.
            helm.run(args, timeout=timeout, root=root)
        except ToolError as e:
            raise ToolError(
                f"{e}\nThe chart registry (chart_repository in environments/_common.yaml) is not reachable from "
                "here. Offline, copy the archive (redis-<chart_version>.tgz, from `helm pull` on a connected machine "
                "or a mirror) into chart/charts/; it is git-ignored and never committed."
            ) from None
    found = subchart.find(chart)
    if found is None:
        return "chart/charts/: nothing fetched"
    if settings is not None and settings.chart_digest:
        try:
            subchart.verify(found.archive, settings.chart_digest)
        except CheckError:
            found.archive.unlink()  # helm wrote it; it is not the pinned archive, so it must not stay
            raise
        return f"chart/charts/: {found.archive.name} (redis {found.version}), verified against chart_digest"
    return f"chart/charts/: {found.archive.name} (redis {found.version}, {subchart.digest(found.archive)}, not pinned)"


def _registry_config(directory: Path, settings: Settings, host: str) -> str:
    """A docker-config file holding the ECR login, readable by us only, gone after the call."""
    from generator.images import ecr_api

    credentials = ecr_api.login(settings, host)
    auth = base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()
    path = directory / "registry.json"
    atomic.write_private(path, json.dumps({"auths": {host: {"auth": auth}}}))
    return str(path)


def run(args: argparse.Namespace) -> int:
    print(build(root_of(args), timeout=args.timeout))
    return 0
