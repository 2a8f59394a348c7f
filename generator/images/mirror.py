"""`mirror`, `images --verify` and `--pin`: the images an environment pulls, present in ECR.

What the seed's mirror-images-to-ecr.sh did, without a Docker daemon: for each image, skip it
when its tag is already in ECR, otherwise copy it (every platform, byte for byte) from its
source into ecr_repository under the environment's tag.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.core import atomic, files, invocation, yamlio
from generator.core.errors import CheckError, GeneratorError, RegistryError, RenderError
from generator.core.paths import ENV_DIR
from generator.core.settings import Settings
from generator.core.text import one_line
from generator.core.wording import plural
from generator.images import copy as imagecopy
from generator.images import deadline, documents, ecr_api, oci
from generator.images.deadline import DEFAULT_TIMEOUT_S
from generator.images.listing import Image, images
from generator.load import discovery, environment
from generator.load.yamlreader import MAX_FILE_BYTES
from generator.validate import schema

SKIPPED, COPIED, FAILED, WOULD_COPY = "skipped", "copied", "failed", "would copy"


@dataclass(frozen=True)
class Outcome:
    image: Image
    status: str
    digest: str | None = None  # in ECR, after the run
    stats: imagecopy.CopyStats | None = None
    planned_bytes: int = 0
    error: str = ""

    def line(self) -> str:
        head = f"{self.image.name}: {self.image.ref}"
        if self.status == SKIPPED:
            return f"{head}: skipped, already in ECR ({self.digest})"
        if self.status == WOULD_COPY:
            return f"{head}: would copy from {self.image.source} ({_mb(self.planned_bytes)} in blobs)"
        if self.status == FAILED:
            return f"{head}: failed: {one_line(self.error)}"  # a registry's words: one line, escaped
        s = self.stats
        assert s is not None
        rate = s.bytes_sent / s.seconds / 1e6 if s.seconds > 0 else 0.0
        return (f"{head}: copied from {self.image.source} ({plural(s.platforms, 'platform')}, "
                f"{_mb(s.bytes_sent)} sent in {s.seconds:.1f} s, {rate:.1f} MB/s; blobs: {s.blobs_sent} sent, "
                f"{s.blobs_present} already there, "
                f"{s.blobs_mounted} mounted) {s.digest}")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


class _Registries:
    """One client per host: the ECR login for the ECR host (and sources on it), the Docker
    login (~/.docker/config.json) for any other source, else anonymous."""

    def __init__(self, settings: Settings, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.settings = settings
        self.timeout = timeout
        self.clients: dict[str, oci.Registry] = {}

    def target(self) -> oci.Registry:
        return self.get(self.settings.ecr_registry)

    def get(self, host: str) -> oci.Registry:
        if host not in self.clients:
            credentials = ecr_api.login(self.settings) if host == self.settings.ecr_registry else oci.docker_login(host)
            self.clients[host] = oci.Registry(host, credentials, self.timeout)
        return self.clients[host]


def mirror(settings: Settings, dry_run: bool = False, progress: oci.Progress | None = None,
           workers: int = 4, siblings: Sequence[str] = (), timeout: float = DEFAULT_TIMEOUT_S) -> list[Outcome]:
    """Mirror every image of an environment. `siblings`: other repositories of the same
    registry (other environments') whose blobs can be mounted instead of downloaded again.
    `timeout`: the deadline of each registry operation."""
    wanted = images(settings)
    if not wanted:
        return []  # enable_redis is false: nothing is pulled
    registries = _Registries(settings, timeout)
    present = ecr_api.lookup(settings, [i.tag for i in wanted], registries.target())
    outcomes = []
    for n, image in enumerate(wanted):
        if n:
            deadline.renew(timeout)  # each image's exchanges get the whole --timeout
        digest = present.get(image.tag)
        if digest:
            outcomes.append(Outcome(image, SKIPPED, digest))
            continue
        source = registries.get(image.source.registry)
        try:
            if dry_run:
                _, _, blobs = imagecopy.plan(source, image.source)
                outcomes.append(Outcome(image, WOULD_COPY, planned_bytes=sum(b.size for b in blobs)))
                continue
            stats = imagecopy.copy_image(source, image.source, registries.target(), settings.ecr_repository,
                                         image.tag, progress, workers, siblings)
            outcomes.append(Outcome(image, COPIED, stats.digest, stats))
        except oci.ManifestUnknown as e:
            outcomes.append(Outcome(image, FAILED, error=f"{e}; {missing_source_hint(settings, image)}"))
        except GeneratorError as e:
            outcomes.append(Outcome(image, FAILED, error=str(e)))
    return outcomes


def missing_source_hint(settings: Settings, image: Image) -> str:
    """What to set when a source tag does not exist: Bitnami's versioned tags left docker.io/bitnami."""
    src, where = image.source, f"{ENV_DIR}/{settings.env}.yaml"
    if src.registry == oci.DOCKER_HUB and src.repository.startswith("bitnami/"):
        legacy = f"docker.io/bitnamilegacy/{src.repository.removeprefix('bitnami/')}:{src.tag or src.ref}"
        return (f"Bitnami moved its versioned images to docker.io/bitnamilegacy in 2025 (frozen there, no updates): "
                f"set images.{image.name}.source: {legacy} in {where}")
    return f"set images.{image.name}.source in {where} to an image that exists"


def sibling_repositories(root: Path, settings: Settings) -> list[str]:
    """The repositories other environments name explicitly in the same registry (no AWS call
    is made for the others: a resolved one is simply not a candidate)."""
    found = set()
    for name in discovery.known_environments(root):
        if name == settings.env:
            continue
        try:
            other = schema.validate(environment.load(root, name))
        except GeneratorError:
            continue
        if other.ecr_registry == settings.ecr_registry and other.ecr_repository not in ("", settings.ecr_repository):
            found.add(other.ecr_repository)
    return sorted(found)


@dataclass(frozen=True)
class Verified:
    image: Image
    digest: str | None  # what the tag points to in ECR

    @property
    def problem(self) -> str:
        if self.digest is None:
            return "missing"
        if self.image.digest and self.image.digest != self.digest:
            return f"pinned {self.image.digest} but the tag points to {self.digest}"
        return ""

    def line(self) -> str:
        return f"{self.image.ref}\t{self.problem or self.digest}"


def verify(settings: Settings, timeout: float = DEFAULT_TIMEOUT_S) -> list[Verified]:
    """Ask ECR what each image's tag points to."""
    wanted = images(settings)
    found = ecr_api.lookup(settings, [i.tag for i in wanted], timeout=timeout) if wanted else {}
    return [Verified(i, found.get(i.tag)) for i in wanted]


def require_verified(settings: Settings, timeout: float = DEFAULT_TIMEOUT_S) -> list[Verified]:
    """verify(), raising CheckError (exit 1) with the fixing command when anything is off."""
    from generator.images import chartmirror

    checked = verify(settings, timeout)
    bad = [f"{v.image.ref}: {v.problem}" for v in checked if v.problem]
    chart = chartmirror.verify(settings)  # the chart too, when Argo CD pulls it from ECR
    bad += [f"{chart.where}: {chart.problem}"] if chart.problem else []
    if bad:
        fix = invocation.command("mirror", settings.env + (" --pin" if any(v.image.digest for v in checked
                                                                           if v.problem) else ""))
        raise CheckError(f"{settings.env}: images not as expected in ECR: {'; '.join(bad)}; run {fix}")
    return checked


# --- --pin: digests into the environment file ----------------------------------------------

_TOP_KEY = re.compile(r"^images\s*:")


def pinned(settings: Settings, outcomes: Sequence[Outcome], timeout: float = DEFAULT_TIMEOUT_S) -> dict[str, str]:
    """The digest to pin for each image: hashed here from the manifest's bytes as ECR serves
    them now (registry API, ECR login), and equal to what the run saw; never a registry's
    header or API answer taken on trust."""
    target = _Registries(settings, timeout).target()
    out: dict[str, str] = {}
    for outcome in outcomes:
        digest = target.head_manifest(settings.ecr_repository, outcome.image.tag)
        if digest is None or not documents.is_digest(digest) or digest != outcome.digest:
            raise RegistryError(f"{target.host}: {settings.ecr_repository}:{outcome.image.tag}: the manifest hashes to "
                                f"{digest}, the mirror saw {outcome.digest}; nothing pinned")
        out[outcome.image.name] = digest
    return out


def pin(root: Path, env_file: str, digests: dict[str, str]) -> Path:
    """Write `images.<name>.digest` into the environment's own file, keeping the rest of it
    (comments included) as it is; only the `images:` block is rewritten."""
    bad = sorted(name for name, digest in digests.items() if not documents.is_digest(digest))
    if bad:
        raise RegistryError(f"{env_file}: not pinned: no sha256 digest for {', '.join(bad)}")
    path = root / env_file
    try:
        files.check_output(path)  # the environment file itself, not what a link points to
        text = files.read_text(path, MAX_FILE_BYTES)
    except (OSError, UnicodeDecodeError) as e:
        raise RenderError(f"{env_file}: cannot rewrite it: {getattr(e, 'strerror', None) or 'not UTF-8'}") from None
    data = yamlio.load(text) or {}
    current = data.get("images") if isinstance(data, dict) else None
    merged: dict[str, dict[str, str]] = {k: dict(v or {}) for k, v in (current or {}).items()}
    for name, digest in sorted(digests.items()):
        merged.setdefault(name, {})["digest"] = digest
    block = yamlio.dump_document({"images": merged}, sort_keys=True)
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _TOP_KEY.match(line)), None)
    if start is None:
        tail = "" if not text or text.endswith("\n") else "\n"
        note = f"# Digests pinned by `{invocation.SCRIPT} mirror --pin`: the deployment pulls exactly these.\n"
        new = text + tail + note + block
    else:
        end = start + 1
        while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t"):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1  # keep the blank lines that separate the next key
        new = "".join(lines[:start]) + block + "".join(lines[end:])
    check = yamlio.load(new)
    if check.get("images") != merged or {k: v for k, v in check.items() if k != "images"} != {
            k: v for k, v in data.items() if k != "images"}:
        raise RenderError(f"{env_file}: could not rewrite its images: block safely; set the digests by hand: "
                          + ", ".join(f"images.{k}.digest: {v}" for k, v in sorted(digests.items())))
    atomic.write_text(path, new, mode=path.stat().st_mode & 0o777)
    return path
