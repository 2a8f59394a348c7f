"""generator/core/yamlio.py: the one loader and the one dumper of generated files. Every string
the dumper writes is a string to Helm's (Go's) YAML reader, no anchors or aliases, and the
Kubernetes-side loader reads bare scalars as Go does."""

from __future__ import annotations

import re

import pytest
import yaml

from generator.core import yamlio
from tests.support import helm_yaml
from tests.support.helm_yaml import AMBIGUOUS
from tests.support.paths import CHECKOUT

# Beyond the list: other spellings Go's parsers or YAML 1.1 accept.
MORE = ("0b101", "0x1p3", "1.", "-1", "1E3", "+.5", "Yes", "NO", "On", "NULL", "Null", "N", "y", "True", "FALSE",
        "-0o17", "1_0.5", ".NaN", "+.INF", "Infinity", "-inf", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43",
        "190:20:30", "<<", "=", "")
# What the generated files hold and must stay bare (quoting them is harmless, but noise in a diff).
PLAIN = ("250m", "8Gi", "redis-latest", "redis-8.4.0", "123456789012.dkr.ecr.us-east-1.amazonaws.com",
         "twofa/dev", "sha256:" + "a" * 64, "ClusterSecretStore", "1e", "gp3")


@pytest.mark.parametrize("line", ["helm4", "helm3"])
def test_every_ambiguous_string_reaches_helm_as_that_string(line: str) -> None:
    values = AMBIGUOUS + MORE + PLAIN
    texts = {f"{i}.yaml": yamlio.dump_document({"value": v, "list": [v], "nested": {v: v}})
             for i, v in enumerate(values)}
    read = helm_yaml.read(texts, line)
    for i, v in enumerate(values):
        assert read[f"{i}.yaml"] == {"value": v, "list": [v], "nested": {v: v}}, (v, texts[f"{i}.yaml"])


def test_the_unquoted_ambiguous_strings_are_what_helm_misreads() -> None:
    """The test above proves something: written bare, Helm reads these as other things."""
    bare = {f"{i}.yaml": f"value: {v}\n" for i, v in enumerate(AMBIGUOUS)}
    read = helm_yaml.read(bare, errors_ok=True)
    misread = [v for i, v in enumerate(AMBIGUOUS) if read[f"{i}.yaml"].get("value") != v]
    assert set(misread) >= {"1e3", "0x1F", "0o17", ".5", "yes", "no", "on", "off", "null", "~", "012", "1_000",
                            "+1", ".inf", "-.inf", "true", "Y", "n"}, misread  # .inf: +Inf, which JSON cannot say


def test_plain_strings_stay_plain() -> None:
    for v in PLAIN:
        assert yamlio.dump({"k": v}) == f"k: {v}", v


def test_no_anchors_or_aliases() -> None:
    shared_list, shared_map = ["FLUSHDB", "DEBUG"], {"a": "b"}
    text = yamlio.dump_document({"master": {"x": shared_list, "m": shared_map},
                                 "replica": {"x": shared_list, "m": shared_map}})
    assert not re.search(r"[&*]id\d+", text), text
    assert yamlio.load(text) == {"master": {"x": shared_list, "m": shared_map},
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
        (ours,) = yamlio.load_all_as_kubernetes(f"value: {v}\n")
        if doc.get("value") != v:
            assert not isinstance(ours["value"], str), (v, doc, ours)
        if isinstance(doc.get("value"), (int, float)) and not isinstance(doc["value"], bool):
            assert ours["value"] == doc["value"], (v, doc, ours)
        if doc.get("value") == v and v not in OLDER_THAN_GO:
            assert ours["value"] == v, f"{v!r}: Go keeps it a string; reading it as {ours['value']!r} is a false alarm"


# Modules that call PyYAML's dumper directly: plan/diff.py prints a diff, it writes no file.
DUMPS_ELSEWHERE = {"core/yamlio.py", "plan/diff.py"}


def test_every_generated_file_goes_through_the_one_dumper() -> None:
    package = CHECKOUT / "generator"
    found = {str(p.relative_to(package)) for p in package.rglob("*.py")
             if re.search(r"\byaml\.(safe_)?dump\(", p.read_text(encoding="utf-8"))}
    stray = found - DUMPS_ELSEWHERE
    assert not stray, f"these write YAML without generator/core/yamlio.py's dumper: {stray}"


def test_the_loader_is_safe_and_libyaml_when_available() -> None:
    assert issubclass(yamlio.LOADER, yaml.SafeLoader) or yamlio.LOADER.__name__ == "CSafeLoader"
    if hasattr(yaml, "CSafeLoader"):
        assert yamlio.LOADER is yaml.CSafeLoader
    try:
        yamlio.load("!!python/object/apply:os.system ['true']")
    except yamlio.YAMLError:
        pass
    else:
        raise AssertionError("the loader constructed a Python object")
    assert [d for d in yamlio.load_all("a: 1\n---\nb: [2]\n")] == [{"a": 1}, {"b": [2]}]


def test_dump_keeps_order_and_writes_multi_line_strings_as_blocks() -> None:
    data = {"z": 1, "a": {"script": "line one\nline two\n", "name": "ünïcødé"}, "list": ["x"]}
    text = yamlio.dump(data)
    assert text == "z: 1\na:\n  script: |\n    line one\n    line two\n  name: ünïcødé\nlist:\n- x"
    assert yamlio.load(text) == data
    assert not text.endswith("\n")


def test_long_lines_are_not_folded() -> None:
    long = "x " * 400
    assert "\n" not in yamlio.dump({"k": long.strip()})
