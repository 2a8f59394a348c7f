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

PyYAML is imported on first use (generator/core/yamlcodec.py holds what needs it): importing it
is a tenth of a warm build, and such a build reads no YAML before helm renders (the environment
files come from the cache), so it loads PyYAML while helm runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from generator.core.yamlscalars import reads_as_non_string

__all__ = ["CODE", "LOADER", "YAMLError", "dump", "dump_document", "load", "load_all", "load_all_as_kubernetes",
           "reads_as_non_string"]

# The modules whose code decides what YAML reads as and is written as: for cache keys.
CODE = ("core/yamlio.py", "core/yamlcodec.py", "core/yamlscalars.py")

if TYPE_CHECKING:
    import yaml

    LOADER: type[yaml.SafeLoader]
    YAMLError = yaml.YAMLError


def __getattr__(name: str) -> Any:  # LOADER and YAMLError, from PyYAML when first asked for
    if name in ("LOADER", "YAMLError"):
        from generator.core import yamlcodec

        return getattr(yamlcodec, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load(stream: str | IO[str]) -> Any:
    from generator.core import yamlcodec

    return yamlcodec.load(stream)


def load_all(stream: str) -> Iterator[Any]:
    from generator.core import yamlcodec

    return yamlcodec.load_all(stream)


def load_all_as_kubernetes(stream: str) -> Iterator[Any]:
    """The documents of a rendered manifest stream, each plain scalar resolved as Go's YAML
    (what Kubernetes and Argo CD apply) resolves it."""
    from generator.core import yamlcodec

    return yamlcodec.load_all_as_kubernetes(stream)


def dump(value: Any) -> str:
    """A generated file's YAML: keys in the order given, no trailing newline (for templates)."""
    return dump_document(value).rstrip("\n")


def dump_document(value: Any, sort_keys: bool = False) -> str:
    """A whole generated YAML file (or the values handed to helm), ending in a newline."""
    from generator.core import yamlcodec

    return yamlcodec.dump_document(value, sort_keys)
