"""core/yamlio.py: the one YAML loader (safe, libyaml where PyYAML has it) and the one dumper of
generated files (keys in the given order, multi-line strings as literal blocks)."""

from __future__ import annotations

import yaml

from generator.core import yamlio


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
