"""generator/core/yamlcodec.py: what PyYAML does for generator/core/yamlio.py. The loader is safe
and libyaml where there is one, the dumper writes no anchors or aliases, keeps order and lines
whole, and the Kubernetes-side loader reads bare scalars as Go does."""

from __future__ import annotations

import re

import yaml

from generator.core import yamlcodec
from tests.support import helm_yaml
from tests.support.helm_yaml import AMBIGUOUS, MORE, PLAIN


def test_no_anchors_or_aliases() -> None:
    shared_list, shared_map = ["FLUSHDB", "DEBUG"], {"a": "b"}
    text = yamlcodec.dump_document({"master": {"x": shared_list, "m": shared_map},
                                 "replica": {"x": shared_list, "m": shared_map}})
    assert not re.search(r"[&*]id\d+", text), text
    assert yamlcodec.load(text) == {"master": {"x": shared_list, "m": shared_map},
                                 "replica": {"x": shared_list, "m": shared_map}}


# YAML 1.1's sexagesimals and timestamps: PyYAML (under the Kubernetes loader) still resolves
# them, go-yaml keeps them strings. Stricter than Go, never laxer.
OLDER_THAN_GO = {"1:20", "190:20:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43"}


def test_the_kubernetes_loader_never_misses_what_go_misreads() -> None:
    """A bare scalar Go turns into a non-string is a non-string to load_all_as_kubernetes too, so
    the schema check of a render fails where Kubernetes would (it may be stricter: a sexagesimal)."""
    values = AMBIGUOUS + MORE + PLAIN
    read = helm_yaml.read({f"{i}.yaml": f"value: {v}\n" for i, v in enumerate(values) if v not in ("<<", "=", "")},
                          errors_ok=True)
    for i, v in enumerate(values):
        if f"{i}.yaml" not in read:
            continue
        doc = read[f"{i}.yaml"]  # {"Error": ...} for an infinity or NaN, which JSON cannot say
        (ours,) = yamlcodec.load_all_as_kubernetes(f"value: {v}\n")
        if doc.get("value") != v:
            assert not isinstance(ours["value"], str), (v, doc, ours)
        if isinstance(doc.get("value"), (int, float)) and not isinstance(doc["value"], bool):
            assert ours["value"] == doc["value"], (v, doc, ours)
        if doc.get("value") == v and v not in OLDER_THAN_GO:
            assert ours["value"] == v, f"{v!r}: Go keeps it a string; reading it as {ours['value']!r} is a false alarm"


def test_the_loader_is_safe_and_libyaml_when_available() -> None:
    assert issubclass(yamlcodec.LOADER, yaml.SafeLoader) or yamlcodec.LOADER.__name__ == "CSafeLoader"
    if hasattr(yaml, "CSafeLoader"):
        assert yamlcodec.LOADER is yaml.CSafeLoader
    try:
        yamlcodec.load("!!python/object/apply:os.system ['true']")
    except yamlcodec.YAMLError:
        pass
    else:
        raise AssertionError("the loader constructed a Python object")
    assert [d for d in yamlcodec.load_all("a: 1\n---\nb: [2]\n")] == [{"a": 1}, {"b": [2]}]


def test_dump_keeps_order_and_writes_multi_line_strings_as_blocks() -> None:
    data = {"z": 1, "a": {"script": "line one\nline two\n", "name": "ünïcødé"}, "list": ["x"]}
    text = yamlcodec.dump_document(data)
    assert text == "z: 1\na:\n  script: |\n    line one\n    line two\n  name: ünïcødé\nlist:\n- x\n"
    assert yamlcodec.load(text) == data


def test_long_lines_are_not_folded() -> None:
    long = "x " * 400
    assert "\n" not in yamlcodec.dump_document({"k": long.strip()}).rstrip("\n")
