"""The one YAML loader for data we did not have to read line by line, and the one dumper of
generated files.

Environment files are read by generator/load/yamlreader.py instead (line numbers, duplicate
keys and anchors refused); everything else (rendered manifests, values files, the subchart's
values.yaml) goes through `load` here: libyaml where PyYAML was built with it, about ten times
faster than the pure-Python loader, and a safe loader either way.

`dump` writes every file the generator produces (values files, the Argo CD Applications, the
`images:` block `mirror --pin` rewrites, the values handed to helm). Its readers are not PyYAML:
Helm and Argo CD read YAML with Go (sigs.k8s.io/yaml, go-yaml), which takes `1e3` for a number,
`Y` and `n` for booleans, `0o17` for an octal, where PyYAML's YAML 1.1 resolver sees strings and
writes them bare. So a string is quoted whenever any YAML 1.1 or 1.2 reader could take it for
something else (`reads_as_non_string`), and no anchor or alias is ever written: a shared Python
object is written out at each place it occurs. (Chart.yaml's two values, chart_version and
chart_repository, go through Jinja2's `tojson`: a JSON string is always double-quoted.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

import yaml

LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError

# Plain words some YAML reader resolves to a boolean or null: YAML 1.1's y/n/yes/no/on/off
# (go-yaml v2, under Helm 3, still honours them), 1.2's true/false/null, in any letter case.
_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""})
# What go-yaml hands to Go's number parsers, underscores removed first: integers in any base
# (0x1F, 0o17, 0b101, 012, 1_000, +1) and YAML-style floats (1e3, .5, 1.). Quoted too, though
# go-yaml happens to keep them strings: inf/infinity/nan without YAML's dot and hexadecimal
# floats (0x1p3), which Go's ParseFloat would take.
_INTEGER = re.compile(r"[-+]?(0x[0-9a-f]+|0o[0-7]+|0b[01]+|[0-9]+)", re.IGNORECASE)
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)(e[-+]?[0-9]+)?"
                    r"|[-+]?\.?(inf|infinity|nan)|[-+]?0x[0-9a-f]*\.?[0-9a-f]*p[-+]?[0-9]+", re.IGNORECASE)
# YAML 1.1's sexagesimal numbers (1:20 is 80) and anything that starts like a timestamp
# (2001-12-14, which go-yaml and PyYAML turn into a date).
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?")
_DATE_START = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
_RESOLVER = yaml.resolver.Resolver()  # PyYAML's YAML 1.1 rules, for whatever the above misses


def load(stream: str | IO[str]) -> Any:
    return yaml.load(stream, Loader=LOADER)


def load_all(stream: str) -> Iterator[Any]:
    return yaml.load_all(stream, Loader=LOADER)


def reads_as_non_string(value: str) -> bool:
    """True when a YAML 1.1 or 1.2 reader (PyYAML, go-yaml v2 or v3) could read the plain scalar
    `value` as a number, a boolean, null or a date: it must then be quoted to stay a string."""
    bare = value.replace("_", "")
    return (value.lower() in _WORDS or bool(_INTEGER.fullmatch(bare)) or bool(_FLOAT.fullmatch(bare))
            or bool(_SEXAGESIMAL.fullmatch(value)) or bool(_DATE_START.match(value))
            or value.startswith(("<<", "="))  # YAML 1.1's merge and value keys
            or _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != "tag:yaml.org,2002:str")  # type: ignore[no-untyped-call]


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


def dump(value: Any) -> str:
    """A generated file's YAML: keys in the order given, no trailing newline (for templates)."""
    return dump_document(value).rstrip("\n")


def dump_document(value: Any, sort_keys: bool = False) -> str:
    """A whole generated YAML file (or the values handed to helm), ending in a newline."""
    text: str = yaml.dump(value, Dumper=_Dumper, sort_keys=sort_keys, default_flow_style=False, width=1000,
                          allow_unicode=True)
    return text
