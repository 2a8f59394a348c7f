"""The Bitnami redis archive of a chart version: chart/charts/redis-<version>.tgz, else the
archive cache ${XDG_CACHE_HOME:-~/.cache}/twofa-redis/charts/redis-<version>.tgz.

It cannot be downloaded offline, so every caller copes with its absence: the build then
renders our own templates only, and says so. An archive of another version is never used: it
would render, and check, a chart that is not the one Argo CD deploys. The cache holds archives
of several versions (never committed), so that `plan` renders each side with its own.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.bitnami import CHART
from generator.core import cache, files, invocation, yamlio
from generator.core.errors import CheckError
from generator.core.paths import CHART_DIR

if TYPE_CHECKING:
    import tarfile

MAX_ARCHIVE_BYTES = 16 << 20  # the archive is ~100 KB
# Keys we set that the Bitnami values.yaml does not list, on purpose.
_NOT_BITNAMI = {("enabled",)}  # the umbrella's `condition: redis.enabled`


@dataclass(frozen=True)
class Subchart:
    archive: Path
    version: str
    defaults: dict[str, Any]


def cache_dir() -> Path:
    """Where archives of any version may wait, outside the repository."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "twofa-redis" / "charts"


def _candidates(chart: Path, version: str) -> tuple[Path, Path]:
    return chart / "charts" / f"{CHART}-{version}.tgz", cache_dir() / f"{CHART}-{version}.tgz"


def find(chart: Path, version: str | None = None) -> Subchart | None:
    """The archive of `version` (chart/charts/ first, then cache_dir()), or None; an archive
    whose Chart.yaml says another version is an error. Without a version: the one archive in
    chart/charts/ (several are an error)."""
    if version is not None:
        for candidate in _candidates(chart, version):
            if candidate.is_file():
                found = _open(candidate)
                if found.version != version:
                    raise CheckError(f"{candidate}: holds redis {found.version}, not {version} as its name says")
                return found
        return None
    archives = sorted((chart / "charts").glob(f"{CHART}-*.tgz"))
    if not archives:
        return None
    if len(archives) > 1:
        names = ", ".join(a.name for a in archives)
        raise CheckError(f"chart/charts/ holds several redis archives ({names}); keep the one chart_version names")
    return _open(archives[0])


def missing(chart: Path, version: str) -> str:
    """What was looked for, and the archives present that are not used."""
    where = f"chart/charts/{CHART}-{version}.tgz or {cache_dir() / f'{CHART}-{version}.tgz'}"
    others = [p.name for p in sorted((chart / "charts").glob(f"{CHART}-*.tgz")) if p.name != f"{CHART}-{version}.tgz"]
    unused = f"; chart/charts/ holds {', '.join(others)}, another version, which is not used" if others else ""
    return f"no redis chart archive in chart/charts/ or the archive cache for chart_version {version} ({where}){unused}"


def _open(archive: Path) -> Subchart:
    # Reading ~2,000 lines of values out of the gzipped tar costs ~10 ms on every build: what an
    # archive holds is kept in the cache (generator/core/cache.py) under its bytes.
    try:
        data = files.read_regular_file(archive, MAX_ARCHIVE_BYTES)  # not a FIFO, not /dev/zero
    except OSError as e:
        raise CheckError(f"{archive}: not a readable redis chart archive ({e})") from e
    key = (cache.Key("subchart").add("archive", data)
           .code("bitnami/__init__.py", "bitnami/archive.py", *yamlio.CODE).package("yaml", "pyyaml"))
    saved = cache.get_json(key)
    if saved is not None:
        return Subchart(archive, saved["version"], saved["defaults"])
    import tarfile  # only when the cache does not know this archive

    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            meta = _read(tar, f"{CHART}/Chart.yaml")
            defaults = _read(tar, f"{CHART}/values.yaml")
    except (tarfile.TarError, OSError, KeyError, yamlio.YAMLError) as e:
        raise CheckError(f"{archive}: not a readable redis chart archive ({e})") from e
    found = Subchart(archive, str(meta.get("version", "?")), defaults or {})
    cache.put_json(key, {"version": found.version, "defaults": found.defaults})
    return found


def digest(path: Path) -> str:
    """sha256 of an archive file, `sha256:<hex>`: what chart_digest pins (it equals the digest
    of the chart layer of the OCI artifact, and the digest a Helm repository index lists)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def shown(path: Path) -> str:
    """An archive as messages name it: chart/charts/<name>, or its path in the cache."""
    return str(path) if path.parent == cache_dir() else f"{CHART_DIR}/charts/{path.name}"


def verify(path: Path, pin: str) -> None:
    """The archive is the pinned one, else CheckError naming both digests."""
    got = digest(path)
    if got != pin:
        raise CheckError(f"{shown(path)}: archive digest {got} but chart_digest pins {pin}: refused; "
                         f"delete it (build fetches the pinned one), or re-pin with "
                         f"{invocation.command('mirror', '<env>', '--pin')} if this archive is the one to trust")


def find_verified(chart: Path, version: str, pin: str) -> Subchart | None:
    """find() of `version`, the archive checked against the pin (when there is one) before it is
    read: a tampered file must fail on its digest, not on whatever it holds."""
    for candidate in _candidates(chart, version):
        if candidate.is_file():
            if pin:
                verify(candidate, pin)
            break
    return find(chart, version)


def _read(tar: tarfile.TarFile, member: str) -> Any:
    handle = tar.extractfile(member)
    if handle is None:
        raise KeyError(member)
    # libyaml where built in: Bitnami's values.yaml is ~2,000 lines, half a second in pure Python.
    return yamlio.load(io.TextIOWrapper(handle, encoding="utf-8"))


def unknown_keys(ours: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """Keys we set for the subchart that its values.yaml does not have: Helm ignores those
    silently, so a typo would quietly drop a security setting."""
    return sorted(".".join(p) for p in _walk(ours, defaults, ()))


def _walk(ours: Any, theirs: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if not isinstance(ours, dict):
        return
    for key, value in ours.items():
        here = (*path, key)
        if here in _NOT_BITNAMI:
            continue
        if not isinstance(theirs, dict) or key not in theirs:
            yield here
            continue
        below = theirs[key]
        # An empty mapping or null default is an open slot (resources: {}, storageClass: ""):
        # anything goes below it.
        if isinstance(below, dict) and below:
            yield from _walk(value, below, here)
