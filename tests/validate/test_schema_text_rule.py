"""One rule for every string setting: schemas/values.schema.json's `$defs/text` (no control
character) is referenced by every string of the schema, agrees with generator/core/text.py,
and no string setting lets a trailing newline past its pattern."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from generator.core import text
from generator.validate import schema

TEXT = "#/$defs/text"


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema that says `type: string` (a list of types naming string counts), with
    its JSON pointer; `$defs/text` itself aside."""
    if isinstance(node, dict):
        kind = node.get("type")
        if (kind == "string" or (isinstance(kind, list) and "string" in kind)) and not path.startswith("/$defs/text"):
            yield path, node
        for key, value in node.items():
            yield from _strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}/{i}")


def test_every_string_of_the_schema_carries_the_text_rule() -> None:
    found = list(_strings(schema.load_schema()))
    assert len(found) >= 25
    missing = [path for path, node in found if node.get("$ref") != TEXT]
    assert not missing, f"string settings without \"$ref\": \"{TEXT}\": {missing}"


def test_fixed_strings_hold_no_control_character() -> None:
    """enum and const strings need no rule of their own, as long as none of them breaks it."""
    def literals(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("enum", "const", "default"):
                    yield from (v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))
                yield from literals(value)
        elif isinstance(node, list):
            for value in node:
                yield from literals(value)
    assert [v for v in literals(schema.load_schema()) if text.CONTROL.search(v)] == []


def test_the_schema_and_the_reader_share_one_definition() -> None:
    assert schema.load_schema()["$defs"]["text"]["not"]["pattern"] == text.CONTROL_CLASS


BAD = ["\n", "\r", "\t", "\0", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", BAD, ids=[f"U+{ord(c):04X}" for c in BAD])
def test_every_string_refuses_a_control_character_at_the_end(char: str) -> None:
    """`$` matches before a final newline in Python's re.search (what jsonschema uses): a value
    that a pattern accepts must be refused once it ends in a control character."""
    whole = schema.load_schema()
    registry_schema = {**whole}
    for path, node in _strings(whole):
        pattern = node.get("pattern")
        sample = node["enum"][0] if "enum" in node else "a" if not pattern else _sample(pattern)
        assert sample is not None, f"{path}: add a valid value of {pattern!r} to SAMPLES"
        validator = jsonschema.Draft202012Validator({**registry_schema, **{k: v for k, v in node.items()
                                                                           if k != "$ref"}, "$ref": TEXT})
        assert validator.is_valid(sample), (path, sample)
        assert not validator.is_valid(sample + char), (path, repr(sample + char))


SAMPLES = ["redis", "1.33", "sha256:" + "a" * 64, "us-east-1", "twofa", "24.0.9", "60 1", "100m", "1Gi",
           "redis-latest", "apps/v1", "https://kubernetes.default.svc", "https://git.example.com/x.git", "main",
           "oci://registry-1.docker.io/bitnamicharts", "123456789012.dkr.ecr.us-east-1.amazonaws.com",
           "twofa/dev", "tf-state-bucket", "ecr_url", "mymaster", "twofa-backend", "accepted",
           "oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/charts", "arn:aws:iam::123456789012:role/argocd-chart",
           "StatefulSet/redis-master",
           "docker.io/bitnamilegacy/redis:8.2.1", "twofa/dev/redis-password"]


def _sample(pattern: str) -> str | None:
    return next((s for s in SAMPLES if re.search(pattern, s)), None)


def test_python_patterns_match_the_whole_value() -> None:
    """Every regex in the generator that validates a value is used with fullmatch: a `$` in
    re.match() lets a trailing newline through."""
    from generator.core.names import ECR_HOST
    from generator.core.quantity import parse
    from generator.images.refs import parse_reference
    from generator.load.discovery import ENV_NAME

    assert not ENV_NAME.fullmatch("dev\n") and ENV_NAME.fullmatch("dev")
    assert not ECR_HOST.fullmatch("123456789012.dkr.ecr.us-east-1.amazonaws.com\n")
    with pytest.raises(ValueError):
        parse("100m\n")
    with pytest.raises(ValueError):
        parse_reference("docker.io/bitnami/redis:8.2.1\n")
