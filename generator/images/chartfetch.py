"""`build` fetches the subchart when chart/charts/ lacks the archive of chart_version.

From chart_repository (the ECR mirror, Docker Hub, any OCI registry) with the project's registry
client rather than `helm pull`: helm has no timeout (Helm 4 took 187 s to give up on a dropped
connection, and waits forever on a peer that accepts and never answers), while here every
request is cut to one overall deadline, and a thread that still hangs is abandoned at it.

The pin is checked before the download (the manifest's layer digest) and after it (the sha256
of the bytes received); the archive appears in chart/charts/ only whole and verified. Offline, or
a version the registry does not have: one line, and the build carries on without the subchart
as it always did. A mismatching archive is always an error.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.bitnami import CHART
from generator.bitnami.archive import cache_dir
from generator.core import atomic, invocation
from generator.core.errors import GeneratorError, RegistryError, UsageError
from generator.core.paths import CHART_DIR
from generator.core.settings import Settings
from generator.images import refs

DEFAULT_TIMEOUT_S = 15.0
TIMEOUT_VARIABLE = "TWOFA_CHART_FETCH_TIMEOUT"  # seconds; 0 turns fetching off (CI without a network)
_GRACE_S = 0.5  # past the deadline, a fetch still running is given up on


def default_timeout(environ: Mapping[str, str] | None = None) -> float:
    environ = os.environ if environ is None else environ
    text = environ.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 3600:
        raise UsageError(f"{TIMEOUT_VARIABLE}: expected seconds (a number from 0, which turns fetching off, "
                         f"to 3600), got {text!r}")
    return value


def archive_path(root: Path, version: str) -> Path:
    return root / CHART_DIR / "charts" / f"{CHART}-{version}.tgz"


@dataclass(frozen=True)
class Fetched:
    path: Path
    where: str
    digest: str  # computed here from the bytes written
    seconds: float


def fetch(settings: Settings, dest: Path, timeout: float) -> Fetched:
    """Fetch chart_version from chart_repository into `dest`, verified, within `timeout` s.
    Raises oci.Unreachable, chart.ChartNotFound, chart.ChartDigestMismatch, chart.NotAChart or
    RegistryError; `dest` is then as it was."""
    from generator.images import oci  # urllib3: only a build that fetches pays for it

    where = refs.location(settings.chart_repository).ref(settings.chart_version)
    started = time.monotonic()
    deadline = started + timeout
    outcome: dict[str, Any] = {}
    lock, cancelled = threading.Lock(), threading.Event()

    def work() -> None:
        try:
            outcome["done"] = _fetch(settings, dest, deadline, lock, cancelled)
        except BaseException as e:  # handed to the caller's thread
            outcome["error"] = e

    worker = threading.Thread(target=work, name="chart-fetch", daemon=True)
    worker.start()
    try:
        worker.join(timeout + _GRACE_S)
    except BaseException:  # Ctrl-C: the abandoned fetch must not put a file in place afterwards
        with lock:
            cancelled.set()
        raise
    with lock:
        if worker.is_alive():
            cancelled.set()  # it may still finish: it must not put a file in place any more
            raise oci.Unreachable(f"{where}: no answer within {timeout:g} s (timed out)")
    if "error" in outcome:
        raise outcome["error"]
    done: tuple[str, str] = outcome["done"]
    return Fetched(dest, done[0], done[1], time.monotonic() - started)


def _fetch(settings: Settings, dest: Path, deadline: float, lock: threading.Lock,
           cancelled: threading.Event) -> tuple[str, str]:
    from generator.images import chart, oci

    loc = refs.location(settings.chart_repository)
    registry = chart.client(settings, loc.host, deadline)
    art = chart.read(registry, loc.repository, settings.chart_version)
    chart.refuse_unpinned(art, settings.chart_digest, "chart/charts/ unchanged")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic.staged_file(dest) as staged:
        digest = chart.stream(registry, loc.repository, art, staged.file.write)
        with lock:
            if cancelled.is_set():
                raise oci.Unreachable(f"{art.where}: finished after the deadline; not used")
            staged.commit()
    return art.where, digest


def present(root: Path, settings: Settings) -> bool:
    """The archive of chart_version is in chart/charts/ or in the archive cache: nothing to fetch."""
    dest = archive_path(root, settings.chart_version)
    return dest.exists() or (cache_dir() / dest.name).is_file()


def ensure(root: Path, settings: Settings, timeout: float, require_subchart: bool) -> tuple[str, bool]:
    """For `build`: (a line for its output, whether the build should drop its 'subchart not
    present' note because the line says it already). Nothing to do when the archive of
    chart_version is there or fetching is off (timeout 0)."""
    dest = archive_path(root, settings.chart_version)
    if present(root, settings) or timeout <= 0:
        return "", False
    try:
        where = refs.location(settings.chart_repository)
    except RegistryError as e:
        return _not_fetched(settings, str(e), require_subchart)
    started = time.monotonic()
    unresolved = _unresolved(where.host, timeout)
    if unresolved:  # offline: said without loading the HTTP client (a third of a build's time)
        return _not_fetched(settings, f"{where.ref(settings.chart_version)}: not reachable ({unresolved}; limit "
                                      f"{timeout:g} s)", require_subchart)
    from generator.images import chart, oci

    try:
        got = fetch(settings, dest, max(0.001, timeout - (time.monotonic() - started)))
    except (chart.ChartDigestMismatch, chart.NotAChart):
        raise  # not a question of reachability: the bytes are wrong
    except chart.ChartNotFound as e:
        reason = f"{e}; set chart_version to a version it has (or run {invocation.command('mirror', '<env>')})"
    except oci.Unreachable as e:
        reason = f"{where.ref(settings.chart_version)}: not reachable ({_why(e)}; limit {timeout:g} s)"
    except RegistryError as e:
        reason = str(e)
    else:
        pinned = ", verified against chart_digest" if settings.chart_digest else ""
        return (f"{settings.env}: fetched {got.where} into {CHART_DIR}/charts/{dest.name} in {got.seconds:.1f} s "
                f"(archive {got.digest}{pinned})"), False
    return _not_fetched(settings, reason, require_subchart)


def _not_fetched(settings: Settings, reason: str, require_subchart: bool) -> tuple[str, bool]:
    if require_subchart:
        raise RegistryError(f"subchart not fetched: {reason}; --require-subchart was given")
    return (f"{settings.env}: subchart not fetched: {reason}: rendered and validated our own templates only "
            "(--require-subchart fails instead)"), True


def _unresolved(host: str, timeout: float) -> str:
    """Why the registry's host name has no address ("no such host"), within `timeout` s, or ""
    when it has one (or the name is not one to look up). The client would connect to exactly
    this host first (the registry client has no proxy), so a name that does not resolve is a
    fetch that cannot start."""
    import socket  # only a build that would fetch pays for it

    try:
        parts = urlsplit(f"//{refs.DOCKER_HUB_API if host == refs.DOCKER_HUB else host}")
        name, port = parts.hostname, parts.port or 443
    except ValueError:
        return ""  # a malformed port: the client's own error says it
    if not name:
        return ""
    outcome: list[str] = []

    def look_up() -> None:
        try:
            socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            outcome.append("no such host")  # what the client's "Failed to resolve" reads as (_why)
            return
        except (OSError, ValueError):  # a label IDNA cannot encode, say: the client's own error says it
            pass
        outcome.append("")

    # getaddrinfo has no timeout of its own: a resolver that never answers is left behind.
    looking = threading.Thread(target=look_up, name="chart-fetch-resolve", daemon=True)
    looking.start()
    looking.join(timeout)
    return outcome[0] if outcome else "timed out"


_WHY = (("timed out", "timed out"), ("refused", "connection refused"), ("name or service not known", "no such host"),
        ("failed to resolve", "no such host"), ("name resolution", "no such host"),
        ("network is unreachable", "network unreachable"), ("no route to host", "no route to host"))


def _why(error: GeneratorError) -> str:
    """Why a registry gave no answer, in two or three words (the exception's text is long)."""
    text = str(error)
    said = next((words for needle, words in _WHY if needle in text.lower()), "")
    return said or text.rsplit(": ", 1)[-1][:120]
