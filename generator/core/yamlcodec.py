"""PyYAML's side of generator/core/yamlio.py (the one loader and the one dumper): the classes
that need PyYAML, imported on first use so that a build that reads nothing through YAML before
helm renders does not load PyYAML until then. Callers use generator/core/yamlio.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

import yaml

from generator.core.yamlscalars import reads_as_non_string

LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def load(stream: str | IO[str]) -> Any:
    return yaml.load(stream, Loader=LOADER)


def load_all(stream: str) -> Iterator[Any]:
    return yaml.load_all(stream, Loader=LOADER)


# --- reading what Kubernetes and Argo CD read ------------------------------------------------
# Rendered manifests reach the API server through Go's YAML (sigs.k8s.io/yaml over go-yaml),
# which resolves more plain scalars than PyYAML's YAML 1.1: `1e3` is 1000, `0o17` is 15, `y` is
# true. The loader below resolves those as Go does, so a template that writes such a string
# bare fails the Kubernetes schema check here instead of in the cluster.
_GO_PLAIN = re.compile(r"""^(?:[yYnN]
    |[-+]?(?:0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)
    |[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?)$""", re.VERBOSE)
_GO_TAG = "tag:twofa-redis,2025:go-plain"


class _GoLoader(LOADER):  # type: ignore[misc,valid-type]
    """The libyaml loader plus Go's extra resolutions (tried after YAML 1.1's own)."""


def _go_value(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(node.value)
    if text in ("y", "Y"):
        return True
    if text in ("n", "N"):
        return False
    bare = text.replace("_", "")
    digits = bare.lstrip("+-")
    try:
        if len(digits) > 1 and digits[0] == "0" and digits[1:].isdigit():
            return int(bare.replace("0", "0o", 1), 0)  # Go reads a leading 0 as octal
        return int(bare, 0)
    except ValueError:
        return float(bare)


_GoLoader.add_implicit_resolver(_GO_TAG, _GO_PLAIN, list("0123456789+-.yYnN"))
_GoLoader.add_constructor(_GO_TAG, _go_value)


def load_all_as_kubernetes(stream: str) -> Iterator[Any]:
    """The documents of a rendered manifest stream, each plain scalar resolved as Go's YAML
    (what Kubernetes and Argo CD apply) resolves it."""
    return yaml.load_all(stream, Loader=_GoLoader)


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literal blocks, ambiguous strings quoted, no aliases:
    a diff-friendly, stable layout that every YAML reader reads the same."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # `&id001` / `*id001` would hide one place's content at another


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if reads_as_non_string(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_document(value: Any, sort_keys: bool = False) -> str:
    """A whole generated YAML file (or the values handed to helm), ending in a newline."""
    text: str = yaml.dump(value, Dumper=_Dumper, sort_keys=sort_keys, default_flow_style=False, width=1000,
                          allow_unicode=True)
    return text
