"""The private copy of chart/ that helm renders: our templates, the generated files of the
environments rendered, and in charts/ exactly the Bitnami archive of their chart_version (or,
without one, no dependency at all). chart/ itself is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.bitnami import CHART, archive
from generator.bitnami.archive import Subchart
from generator.core import atomic
from generator.core import files as files_
from generator.render import chart


def stage(source: Path, dest: Path, generated: Iterable[Mapping[str, str]], found: Subchart | None) -> Path:
    """Copy source (a chart/ directory) to dest for rendering. chart/charts/ may hold archives
    of several versions (one per side of a `plan`): helm would load every one of them, so only
    `found` is put in place."""
    # By content, within chart/'s own tree: a link that leaves it, a FIFO or a device is refused
    # in one line (Argo CD's repo-server refuses such links too), and helm never sees a link.
    files_.confined_copy(source, dest, ignore=("values-*.yaml",), skip=("charts",))
    # Chart.yaml and values.yaml are the same for every environment: each file written once.
    atomic.write_files(dest, {name: text for files in generated for name, text in files.items()})
    if found is None:
        chart.strip_dependencies(dest)
    else:
        (dest / "charts").mkdir()
        (dest / "charts" / f"{CHART}-{found.version}.tgz").write_bytes(
            files_.read_regular_file(found.archive, archive.MAX_ARCHIVE_BYTES))
    return dest
