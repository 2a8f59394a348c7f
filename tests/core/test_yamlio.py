"""generator/core/yamlio.py: the one loader and the one dumper of generated files, seen from their
callers. Every string the dumper writes is a string to Helm's (Go's) YAML reader; nothing else
writes a generated file; and importing the module does not import PyYAML, which it forwards to
on first use (what the codec does in detail: tests/core/test_yamlcodec.py)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from generator.core import cache, yamlcodec, yamlio
from tests.support import helm_yaml
from tests.support.helm_yaml import AMBIGUOUS, MORE, PLAIN
from tests.support.paths import CHECKOUT


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


def test_dump_is_the_document_without_its_final_newline_for_templates() -> None:
    data = {"z": 1, "a": {"script": "line one\nline two\n"}}
    assert yamlio.dump_document(data) == yamlio.dump(data) + "\n"
    assert not yamlio.dump(data).endswith("\n")


def test_plain_strings_stay_plain() -> None:
    for v in PLAIN:
        assert yamlio.dump({"k": v}) == f"k: {v}", v


# Modules that call PyYAML's dumper directly: plan/diff.py prints a diff, it writes no file.
DUMPS_ELSEWHERE = {"core/yamlcodec.py", "plan/diff.py"}


def test_every_generated_file_goes_through_the_one_dumper() -> None:
    package = CHECKOUT / "generator"
    found = {str(p.relative_to(package)) for p in package.rglob("*.py")
             if re.search(r"\byaml\.(safe_)?dump\(", p.read_text(encoding="utf-8"))}
    stray = found - DUMPS_ELSEWHERE
    assert not stray, f"these write YAML without generator/core/yamlio.py's dumper: {stray}"


def test_importing_the_facade_imports_no_yaml_until_first_use() -> None:
    code = ("import sys; from generator.core import yamlio; before = 'yaml' in sys.modules; "
            "yamlio.dump({'a': 1}); print(before, 'yaml' in sys.modules)")
    ran = subprocess.run([sys.executable, "-c", code], cwd=CHECKOUT, capture_output=True, text=True, check=True)
    assert ran.stdout.split() == ["False", "True"]


def test_the_facade_is_the_codec() -> None:
    text = "a: 1\nb: [x, '1e3']\n---\nc: {d: null}\n"
    first = text.split("---")[0]
    assert yamlio.load(first) == yamlcodec.load(first) == {"a": 1, "b": ["x", "1e3"]}
    assert list(yamlio.load_all(text)) == list(yamlcodec.load_all(text)) == [{"a": 1, "b": ["x", "1e3"]},
                                                                            {"c": {"d": None}}]
    assert list(yamlio.load_all_as_kubernetes("v: 1e3\n")) == list(yamlcodec.load_all_as_kubernetes("v: 1e3\n"))
    value = {"z": "1e3", "a": ["Y", 2]}
    assert yamlio.dump_document(value) == yamlcodec.dump_document(value)
    assert yamlio.dump_document(value, sort_keys=True) == yamlcodec.dump_document(value, sort_keys=True)
    assert (yamlio.LOADER, yamlio.YAMLError) == (yamlcodec.LOADER, yaml.YAMLError)
    with pytest.raises(AttributeError, match="no attribute 'DUMPER'"):
        yamlio.DUMPER  # noqa: B018


def test_the_code_a_cache_key_names_is_every_module_of_the_codec() -> None:
    """Cache keys name yamlio.CODE: every module the facade and the codec import from core/."""
    modules = {"core/yamlio.py"}
    for name in ("yamlio", "yamlcodec", "yamlscalars"):
        source = (cache.PACKAGE / "core" / f"{name}.py").read_text(encoding="utf-8")
        modules |= {f"core/{m}.py" for m in re.findall(r"from generator\.core(?:\.(\w+))? import (\w+)", source)
                    for m in [m[0] or m[1]]}
    assert modules == set(yamlio.CODE)
