"""The one YAML loader for data we did not have to read line by line, and the one dumper of
generated files.

Environment files are read by generator/load/yamlreader.py instead (line numbers, duplicate
keys and anchors refused); everything else (rendered manifests, values files, the subchart's
values.yaml) goes through `load` here: libyaml where PyYAML was built with it, about ten times
faster than the pure-Python loader, and a safe loader either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def load(stream: str | IO[str]) -> Any:
    return yaml.load(stream, Loader=LOADER)


def load_all(stream: str) -> Iterator[Any]:
    return yaml.load_all(stream, Loader=LOADER)


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literal blocks: a diff-friendly, stable layout."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump(value: Any) -> str:
    """A generated file's YAML: keys in the order given, no trailing newline."""
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1000,
                     allow_unicode=True).rstrip("\n")
