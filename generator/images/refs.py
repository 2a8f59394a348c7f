"""Image references (`registry/repository:tag@digest`), parsed the way Docker parses them.

Apart from the registry client so that listing images never imports an HTTP library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.bitnami import CHART
from generator.core.errors import RegistryError

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"  # where docker.io's registry API answers


@dataclass(frozen=True)
class Reference:
    """`registry/repository[:tag][@digest]`, with Docker's defaults applied."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def ref(self) -> str:
        """What to ask the registry for: the digest when known, else the tag."""
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


_REF = re.compile(
    r"^(?:(?P<registry>[A-Za-z0-9.-]+(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)/)?"
    r"(?P<repository>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def parse_reference(text: str) -> Reference:
    """Parse an image reference the way Docker does: `redis` is docker.io/library/redis."""
    m = _REF.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not an image reference (registry/repository:tag or @sha256:...)")
    registry, repository = m.group("registry"), m.group("repository")
    if registry is not None and "." not in registry and ":" not in registry and registry != "localhost":
        registry, repository = None, f"{registry}/{repository}"  # "bitnami/redis": a Docker Hub namespace
    registry = registry or DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return Reference(registry, repository, m.group("tag"), m.group("digest"))


def oci_location(url: str) -> tuple[str, str] | None:
    """`oci://host[:port]/namespace` (chart_repository, chart_source) -> (host, namespace), or
    None for anything else (an https:// chart repository)."""
    if not url.startswith("oci://"):
        return None
    host, _, namespace = url[len("oci://"):].partition("/")
    namespace = namespace.strip("/")
    return (host, namespace) if host and namespace else None


@dataclass(frozen=True)
class Location:
    """Where a chart lives: host and repository (`<namespace>/redis`)."""

    host: str
    repository: str

    def ref(self, version: str) -> str:
        return f"oci://{self.host}/{self.repository}:{chart_tag(version)}"


def location(url: str, setting: str = "chart_repository") -> Location:
    found = oci_location(url)
    if found is None:
        raise RegistryError(f"{setting}: {url} is not an oci:// registry (only OCI registries are fetched "
                            "and mirrored through the registry API)")
    return Location(found[0], f"{found[1]}/{CHART}")


def chart_tag(version: str) -> str:
    """The OCI tag Helm gives a chart version: `+` (SemVer build metadata) is not allowed in a
    tag, so Helm writes it as `_`."""
    return version.replace("+", "_")
