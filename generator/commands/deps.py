"""`deps`: fetch the Bitnami chart archive into chart/charts/ with `helm dependency build`."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.bitnami import archive as subchart
from generator.check import helm
from generator.commands import root_of
from generator.core.errors import ToolError
from generator.core.paths import CHART_DIR

DEFAULT_TIMEOUT_S = 60.0


def build(root: Path, timeout: float = DEFAULT_TIMEOUT_S) -> str:
    chart = root / CHART_DIR
    try:
        # Bounded: an unreachable registry that drops packets would otherwise hold CI for minutes.
        helm.run(["dependency", "build", str(chart)], timeout=timeout, root=root)
    except ToolError as e:
        raise ToolError(
            f"{e}\nThe chart registry (chart_repository in environments/_common.yaml) is not reachable from here. "
            "Offline, copy the archive (redis-<chart_version>.tgz, from `helm pull` on a connected machine or "
            "a mirror) into chart/charts/; it is git-ignored and never committed."
        ) from None
    found = subchart.find(chart)
    return f"chart/charts/: {found.archive.name} (redis {found.version})" if found else "chart/charts/: nothing fetched"


def run(args: argparse.Namespace) -> int:
    print(build(root_of(args), timeout=args.timeout))
    return 0
