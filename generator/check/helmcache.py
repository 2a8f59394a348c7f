"""helm runs whose result only their inputs decide (`helm lint`, the guard's probe render),
through the cache of generator/core/cache.py.

A key covers everything helm reads: every file below the folder the arguments point into (the
staged chart with its values files and the subchart archive, byte for byte), the arguments with
that folder's temporary path replaced by a placeholder, the helm binary's identity and every
HELM_* variable. Arguments that make helm read anything else -- standard input (`--values -`)
or a file outside that folder, such as the password's values file -- get no key, and the run is
not cached. A failed run is never cached: its message always comes from helm.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from generator.check import helm
from generator.core import cache

_PLACEHOLDER = "\0base"


def tree(base: Path) -> str:
    """The digest of every entry below `base`, for keys of several runs on the same tree."""
    return cache.Key("tree").tree("base", base).hexdigest()


def key(kind: str, args: Sequence[str], base: Path, binary: str, base_tree: str | None = None) -> cache.Key | None:
    """The key of running `binary args`, everything it reads being below `base` (whose tree(),
    when the caller has it already, is `base_tree`); None when it reads anything else."""
    prefix = str(base)
    normalized = []
    for arg in args:
        if arg == "-":
            return None  # values from standard input: not ours to hash
        if arg == prefix or arg.startswith(prefix + os.sep):
            normalized.append(_PLACEHOLDER + arg[len(prefix):])
        elif os.path.isabs(arg) or os.path.exists(arg):
            return None  # a file outside `base` (the password's values): never cached
        else:
            normalized.append(arg)
    variables = sorted((k, v) for k, v in os.environ.items() if k.startswith("HELM_"))
    return (cache.Key(kind).data("args", normalized).add("base", base_tree or tree(base)).binary("helm", binary)
            .data("helm variables", variables).code("check/helm.py", "check/helmcache.py"))


def passed(args: Sequence[str], base: Path, root: Path, base_tree: str | None = None) -> bool:
    """Whether the very same run passed before (so it would pass again)."""
    found = key("helm", args, base, helm.find_helm(root), base_tree)
    return found is not None and cache.get(found) is not None


def run(args: Sequence[str], base: Path, root: Path, base_tree: str | None = None) -> str:
    """helm.run(args), or the stdout of the same run that passed before (base_tree: tree(base),
    when the caller has it already)."""
    binary = helm.find_helm(root)
    found = key("helm", args, base, binary, base_tree)
    if found is not None:
        hit = cache.get(found)
        if hit is not None:
            return hit
    out = helm.run(args, binary, root=root)
    if found is not None:
        cache.put(found, out)
    return out
