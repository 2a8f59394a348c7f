"""What a registry's JSON must look like before anything is done with it: the one place the
shape of a manifest or an image index is checked.

A registry is a peer: a manifest without `size`, with `layers` that is a string, a digest
that is not sha256 and 64 hex digits (a path, say), a size that is negative or a string, would
otherwise end deep in the copy as a KeyError or an AttributeError. Every refusal names the
registry host and the image, as a RegistryError.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from generator.core.errors import RegistryError
from generator.core.text import shown

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
MAX_BLOB_BYTES = 10 << 30  # no layer of ours comes near; a bigger claim is a hostile one
MAX_ENTRIES = 256  # layers of an image, or platforms of an index
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)


def is_digest(value: object) -> bool:
    return isinstance(value, str) and DIGEST.fullmatch(value) is not None


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    foreign: bool = False  # a layer with its own `urls`: pulled from there, never pushed


def parse(data: bytes, where: str) -> dict[str, Any]:
    """A manifest's JSON object; `where` is "<host>: <repository>:<ref>"."""
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise RegistryError(f"{where}: the manifest is not JSON ({str(e)[:80]})") from None
    if not isinstance(parsed, dict):
        raise RegistryError(f"{where}: the manifest is not a JSON object")
    return parsed


def descriptor(value: object, where: str, field: str) -> Descriptor:
    if not isinstance(value, dict):
        raise RegistryError(f"{where}: {field} is not a descriptor (a mapping), got {shown(value, 40)}")
    media, digest, size = value.get("mediaType"), value.get("digest"), value.get("size")
    if not isinstance(media, str) or not media:
        raise RegistryError(f"{where}: {field}.mediaType is not a media type, got {shown(media, 40)}")
    if not is_digest(digest):
        raise RegistryError(f"{where}: {field}.digest is not a sha256 digest, got {shown(digest, 80)}")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_BLOB_BYTES:
        raise RegistryError(f"{where}: {field}.size is not a size from 0 to {MAX_BLOB_BYTES} bytes, got "
                            f"{shown(size, 40)}")
    return Descriptor(media, str(digest), size, bool(value.get("urls")))


def _list(doc: dict[str, Any], key: str, where: str) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        raise RegistryError(f"{where}: {key} is not a list, got {shown(value, 40)}")
    if len(value) > MAX_ENTRIES:
        raise RegistryError(f"{where}: {key} has {len(value)} entries, more than {MAX_ENTRIES}")
    return value


def children(doc: dict[str, Any], where: str) -> list[Descriptor]:
    """The platform manifests an image index lists (nested indexes are refused)."""
    found = [descriptor(v, where, f"manifests[{i}]") for i, v in enumerate(_list(doc, "manifests", where))]
    for i, d in enumerate(found):
        if d.media_type in INDEX_TYPES:
            raise RegistryError(f"{where}: manifests[{i}] is an image index itself; nested indexes are not "
                                "supported")
    return found


def blobs(doc: dict[str, Any], where: str) -> list[Descriptor]:
    """The config and the layers an image manifest names."""
    config = descriptor(doc.get("config"), where, "config")
    layers = [descriptor(v, where, f"layers[{i}]") for i, v in enumerate(_list(doc, "layers", where))]
    return [config, *layers]


def check(doc: dict[str, Any], is_index: bool, where: str) -> None:
    """The whole document, checked once when it arrives (generator/images/oci.py)."""
    if is_index:
        children(doc, where)
    else:
        blobs(doc, where)
