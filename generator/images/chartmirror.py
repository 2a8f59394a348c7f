"""The chart's side of `images`, `images --verify`, `mirror` and `mirror --pin`.

The chart lives in ECR when chart_repository points at an ECR registry (or at the environment's
own ecr_registry: a mirror, the tests' registry): `mirror` then copies it there from
chart_source (default Docker Hub's bitnamicharts), and Argo CD and `build` pull it from there.
The ECR repository is `<path of chart_repository>/redis`, e.g. chart_repository
oci://<account>.dkr.ecr.<region>.amazonaws.com/twofa/charts -> repository twofa/charts/redis,
which must exist with immutable tags (README 'The chart from ECR'). While chart_repository
points elsewhere (Docker Hub), nothing is mirrored and the chart is listed where it is pulled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.core import atomic
from generator.core.errors import GeneratorError, RenderError
from generator.core.paths import COMMON_FILE, ENV_DIR
from generator.core.settings import Settings
from generator.images import chart, refs
from generator.images.refs import chart_tag, oci_location

SKIPPED, COPIED, FAILED, WOULD_COPY, ELSEWHERE = "skipped", "copied", "failed", "would copy", "not mirrored"
BITNAMI_CHARTS = "oci://registry-1.docker.io/bitnamicharts"
LAST_PUBLIC = "23.1.1"  # bitnami/charts tag redis/23.1.1 (2026-02-12): the last public Bitnami redis chart


def target(settings: Settings) -> refs.Location | None:
    """Where the chart is mirrored to: chart_repository when it is ours (ECR), else None."""
    found = oci_location(settings.chart_repository)
    if found is None or not chart.is_ours(settings, found[0]):
        return None
    return refs.location(settings.chart_repository)


def listed(settings: Settings) -> str:
    """The chart as Argo CD pulls it: oci://<host>/<namespace>/redis:<version>."""
    if oci_location(settings.chart_repository) is None:
        return f"{settings.chart_repository} (chart redis {settings.chart_version})"
    return refs.location(settings.chart_repository).ref(settings.chart_version)


@dataclass(frozen=True)
class Outcome:
    status: str
    where: str  # the chart in ECR (or where it is pulled from, not mirrored)
    source: str = ""
    archive_digest: str = ""
    manifest_digest: str = ""
    error: str = ""
    note: str = ""

    def line(self) -> str:
        head = f"chart: {self.where}"
        if self.status == ELSEWHERE:
            return (f"{head}: not mirrored, chart_repository is not an ECR registry (to pull it from ECR, set "
                    "chart_repository: oci://<ecr registry>/<namespace> in environments/_common.yaml; README "
                    "'The chart from ECR')")
        if self.status == FAILED:
            return f"{head}: failed: {self.error}"
        if self.status == WOULD_COPY:
            return f"{head}: would copy from {self.source} (archive {self.archive_digest})"
        digests = f"archive {self.archive_digest}, manifest {self.manifest_digest}"
        if self.status == SKIPPED:
            return f"{head}: skipped, already in ECR ({digests}){self.note}"
        return f"{head}: copied from {self.source} ({digests})"


def mirror(settings: Settings, dry_run: bool = False) -> Outcome:
    """Copy the chart into chart_repository (ECR) from chart_source; see chart.copy."""
    tgt = target(settings)
    if tgt is None:
        return Outcome(ELSEWHERE, listed(settings))
    where, version, pin = tgt.ref(settings.chart_version), settings.chart_version, settings.chart_digest
    source = ""
    try:
        src = refs.location(settings.chart_source, "chart_source")
        source = src.ref(version)
        if dry_run:
            registry = chart.client(settings, tgt.host)
            if registry.head_manifest(tgt.repository, chart_tag(version)):
                return Outcome(SKIPPED, where, source, note=" (dry run: not compared)")
            art = chart.read(chart.client(settings, src.host), src.repository, version)
            chart.refuse_unpinned(art, pin, "nothing would be copied")
            return Outcome(WOULD_COPY, where, source, art.archive_digest)
        done = chart.copy(chart.client(settings, src.host), src.repository, version,
                          chart.client(settings, tgt.host), tgt.repository, pin)
    except chart.ChartNotFound as e:
        return Outcome(FAILED, where, source, error=f"{e}; {_missing_hint(settings)}")
    except GeneratorError as e:
        return Outcome(FAILED, where, source, error=str(e))
    return Outcome(done.status, where, source, done.archive_digest, done.manifest_digest, note=done.note)


def _missing_hint(settings: Settings) -> str:
    if settings.chart_source.rstrip("/") == BITNAMI_CHARTS:
        return (f"the last public Bitnami redis chart is {LAST_PUBLIC} (2026-02): set chart_version to a published "
                "version, or chart_source to a registry that has this one")
    return "set chart_version to a version chart_source has, or chart_source to a registry that has it"


def computed_digest(settings: Settings) -> str:
    """The archive's digest computed here from the bytes ECR serves (downloaded, hashed,
    checked against its manifest): what `mirror --pin` writes, never a digest it was told."""
    tgt = target(settings)
    if tgt is None:
        raise RenderError("chart_digest: not pinned: chart_repository is not an ECR registry, so mirror copied "
                          "no chart")
    registry = chart.client(settings, tgt.host)
    art = chart.read(registry, tgt.repository, settings.chart_version)
    return chart.stream(registry, tgt.repository, art, lambda _chunk: None)


@dataclass(frozen=True)
class Verified:
    where: str
    digest: str | None  # the archive in ECR; None: missing
    problem: str = ""
    checked: bool = True

    def line(self) -> str:
        if not self.checked:
            return f"{self.where}\tnot checked: chart_repository is not an ECR registry"
        return f"{self.where}\t{self.problem or self.digest}"


def verify(settings: Settings) -> Verified:
    """What ECR holds under the chart's version, against the pin."""
    tgt = target(settings)
    if tgt is None:
        return Verified(listed(settings), None, checked=False)
    where = tgt.ref(settings.chart_version)
    try:
        art = chart.read(chart.client(settings, tgt.host), tgt.repository, settings.chart_version)
    except chart.ChartNotFound:
        return Verified(where, None, "missing")
    pin = settings.chart_digest
    problem = f"chart_digest pins {pin} but ECR holds archive {art.archive_digest}" if pin and \
        art.archive_digest != pin else ""
    return Verified(where, art.archive_digest, problem)


# --- --pin: chart_digest into environments/_common.yaml -------------------------------------

_PIN = re.compile(r"^chart_digest[ \t]*:.*$", re.M)
_VERSION = re.compile(r"^chart_version[ \t]*:.*\n", re.M)


def write_pin(root: Path, digest: str) -> list[str]:
    """Set chart_digest in environments/_common.yaml (after chart_version), and in any
    environment file that repeats it; every other line is kept as it is. Returns the files changed."""
    directory = root / ENV_DIR
    changed = []
    for path in [directory / COMMON_FILE, *sorted(p for p in directory.glob("*.yaml") if p.name != COMMON_FILE)]:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        line = f"chart_digest: {digest}"
        if _PIN.search(text):
            new = _PIN.sub(line, text, count=1)
        elif path.name != COMMON_FILE:
            continue  # not stated here: the shared value applies
        elif match := _VERSION.search(text):
            new = text[:match.end()] + f"# The archive of chart_version, pinned by `mirror --pin`.\n{line}\n" + \
                text[match.end():]
        else:
            new = text + ("" if not text or text.endswith("\n") else "\n") + f"{line}\n"
        before, after = yaml.safe_load(text) or {}, yaml.safe_load(new) or {}
        if not isinstance(before, dict) or after != {**before, "chart_digest": digest}:
            raise RenderError(f"{ENV_DIR}/{path.name}: could not set chart_digest safely; set it by hand: "
                              f"chart_digest: {digest}")
        if new != text:
            atomic.write_text(path, new, mode=path.stat().st_mode & 0o777 if path.exists() else 0o644)
            changed.append(f"{ENV_DIR}/{path.name}")
    return changed
