"""Which plain (unquoted) strings some YAML reader takes for something else: a number, a
boolean, null or a date. The dumper (generator/core/yamlcodec.py) quotes those, and settings
the Bitnami chart writes without quotes must not be one (generator/validate/crossfield.py).

Without PyYAML where it can: its YAML 1.1 resolver, the last word for what the patterns below
miss, only ever resolves a scalar whose first character starts one of its rules, so only such a
string makes this module import it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

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


# The first characters of PyYAML's implicit resolvers (yaml.resolver.Resolver's
# yaml_implicit_resolvers; tests/core/test_yamlscalars.py proves them equal).
RESOLVER_FIRST = frozenset({"", *"!&*+-.0123456789<=FNOTYfnoty~"})


def reads_as_non_string(value: str) -> bool:
    """True when a YAML 1.1 or 1.2 reader (PyYAML, go-yaml v2 or v3) could read the plain scalar
    `value` as a number, a boolean, null or a date: it must then be quoted to stay a string."""
    bare = value.replace("_", "")
    return (value.lower() in _WORDS or bool(_INTEGER.fullmatch(bare)) or bool(_FLOAT.fullmatch(bare))
            or bool(_SEXAGESIMAL.fullmatch(value)) or bool(_DATE_START.match(value))
            or value.startswith(("<<", "="))  # YAML 1.1's merge and value keys
            or (value[:1] in RESOLVER_FIRST and _resolves_to_non_string(value)))


def _resolves_to_non_string(value: str) -> bool:
    import yaml

    tag: str = _resolver().resolve(yaml.ScalarNode, value, (True, False))
    return tag != "tag:yaml.org,2002:str"


@functools.cache
def _resolver() -> Any:
    import yaml

    return yaml.resolver.Resolver()  # PyYAML's YAML 1.1 rules, for whatever the patterns miss
