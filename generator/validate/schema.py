"""Validate merged settings against schemas/values.schema.json, then the rules a schema cannot
say (generator/validate/crossfield.py).

Every problem of a file is reported at once, each located at the file and line its value came
from, and phrased as what was expected rather than as the schema keyword that failed.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.core import cache, passwords
from generator.core.errors import MAX_PROBLEMS, Problem, ValidationError, capped
from generator.core.paths import SCHEMA_PATH
from generator.core.settings import Settings
from generator.load.environment import Environment
from generator.validate import crossfield

if TYPE_CHECKING:
    import jsonschema

_JSON_TYPES = {dict: "a mapping", list: "a list", str: "a string", bool: "true/false", int: "a number",
               float: "a number", type(None): "nothing (null)"}


@functools.cache
def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    # Not checked against the metaschema here: that costs ~0.1 s per run and the schema is a
    # committed file, so tests/validate/test_schema.py checks it once instead.
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def _is_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema counts 300.0 as an integer; the chart would render `EX 300.0`, `replicas: 3.0`.
    return isinstance(instance, int) and not isinstance(instance, bool)


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema  # ~115 ms with referencing: imported only when the cache has no answer

    base = jsonschema.Draft202012Validator
    strict = jsonschema.validators.extend(base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_integer))
    return strict(load_schema())


def defaults() -> dict[str, Any]:
    """Top-level defaults, as the schema states them: the one place defaults live."""
    return {k: v["default"] for k, v in load_schema()["properties"].items() if "default" in v}


def validate(env: Environment) -> Settings:
    """Check one environment; raise ValidationError listing every problem, else return Settings."""
    merged = {**defaults(), **env.settings}
    # A value the reader already refused (an alias) is None now: say so once.
    refused = env.refused
    found = [p for p in (*_schema_problems(env), *crossfield.problems(env, merged, load_schema()))
             if not any(p.path == r or p.path.startswith(r + ".") for r in refused)]
    problems = sorted(set([*env.problems, *found]), key=lambda p: (p.file, p.line or 0, p.path, p.message))
    if problems:
        raise ValidationError(problems=capped(problems))
    return Settings.from_dict(merged)


def _schema_problems(env: Environment) -> list[Problem]:
    """The schema's findings. Settings the schema accepted before (the same values, schema,
    validator and code) are accepted again without loading jsonschema: see core/cache.py.
    Only acceptance is cached; every finding comes from a fresh validation."""
    key = (cache.Key("settings").data("settings", env.settings).file("schema", SCHEMA_PATH)
           .code("validate/schema.py").package("jsonschema").package("referencing"))
    if cache.get(key) == "":
        return []
    found = list(_fresh_problems(env))
    if not found:
        cache.put(key, "")
    return found


def _fresh_problems(env: Environment) -> Iterable[Problem]:
    errors = list(itertools.islice(_validator().iter_errors(env.settings), 10 * MAX_PROBLEMS))
    # A control character says all there is to say about a value: no pattern error besides it.
    controlled = {tuple(e.absolute_path) for e in errors if e.validator == "not" and e.schema == _text()}
    hinted = 0
    for error in errors:
        path = tuple(str(p) for p in error.absolute_path)
        if tuple(error.absolute_path) in controlled and not (error.validator == "not" and error.schema == _text()):
            continue
        if error.validator == "additionalProperties":
            allowed = list(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(allowed)):
                if passwords.PASSWORDISH.search(key):
                    yield env.problem((*path, key), "a password is never a setting (it would end up in git): "
                                      "export TF_VAR_redis_password or REDIS_PASSWORD for secret_mode render, or "
                                      "use secret_mode existing/external; remove this line")
                    continue
                # A known name with a suffix (redis-server for redis) is that name; else the closest
                # (for the first few: past those capped() only counts them, and hints cost time).
                hinted += 1
                longer = sorted((a for a in allowed if key.startswith((f"{a}-", f"{a}_"))), key=len)
                hint = longer[-1:] or (difflib.get_close_matches(key, allowed, n=1) if hinted <= MAX_PROBLEMS else [])
                suggestion = f"did you mean {hint[0]!r}?" if hint else "see the settings table in README.md"
                yield env.problem((*path, key), f"unknown setting; {suggestion}")
            continue
        yield env.problem(path, _explain(error))


def _text() -> Any:
    return load_schema()["$defs"]["text"]


def _explain(error: jsonschema.ValidationError) -> str:
    """What was expected, in words a person can act on."""
    value = error.instance
    expected = error.schema.get("x-expected") if isinstance(error.schema, dict) else None
    kind = error.validator
    if kind == "required":
        missing = re.match(r"'([^']+)'", error.message)
        text = f"missing required setting {missing.group(1) if missing else error.message!r}"
        return f"{text} ({expected})" if expected else text
    if kind == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        got = _JSON_TYPES.get(type(value), type(value).__name__)
        if value is None:
            return f"expected {_article(str(wanted))}, got {got}"
        if wanted == "string" and isinstance(value, (int, float, bool)):
            # YAML reads 2, 1.0 and yes as numbers and booleans; quoting keeps the text.
            return f"expected {_article(str(wanted))}, got {got} {_show(value)}: quote it"
        return f"expected {_article(str(wanted))}, got {got} {_show(value)}"
    if kind == "maxItems":
        return f"expected at most {error.validator_value} items, got {len(value)}"
    if kind == "uniqueItems":
        return "expected each item once; remove the duplicates"
    if kind == "enum":
        return f"{_show(value)} is not one of: {', '.join(map(str, error.validator_value))}"
    if expected and isinstance(value, (dict, list)):
        # A mapping's repr is noise (and cut at 80 characters); the expectation says what to fix.
        return f"expected {expected}"
    if expected:
        return f"{_show(value)} is not {expected}"
    if kind in ("minimum", "maximum"):
        side = "at least" if kind == "minimum" else "at most"
        return f"{_show(value)} is out of range: expected {side} {error.validator_value}"
    if kind == "maxLength":
        return f"{_show(value)} is longer than {error.validator_value} characters"
    return str(error.message)


def _article(json_type: str) -> str:
    return {"object": "a mapping", "array": "a list", "boolean": "true or false", "integer": "a whole number"}.get(
        json_type, f"a {json_type}"
    )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
