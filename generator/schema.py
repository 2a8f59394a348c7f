"""Validate merged settings against schemas/values.schema.json and the rules a schema cannot say.

Every problem of a file is reported at once, each located at the file and line its value came
from, and phrased as what was expected rather than as the schema keyword that failed.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import jsonschema

from generator import topology
from generator.bitnami import CHART
from generator.bitnami import names as bitnami
from generator.core import quantity
from generator.core.errors import Problem, ValidationError
from generator.core.names import ECR_HOST
from generator.core.paths import COMMON_FILE, ENV_DIR, SCHEMA_PATH
from generator.core.settings import Settings
from generator.load.environment import Environment

SHARED_SETTINGS = ("chart_version", "chart_repository")
MAX_STATEFULSET_NAME = 52
_PASSWORDISH = re.compile(r"pass(word|wd)?|secret_value|requirepass", re.IGNORECASE)
_JSON_TYPES = {dict: "a mapping", list: "a list", str: "a string", bool: "true/false", int: "a number",
               float: "a number", type(None): "nothing (null)"}


@functools.cache
def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    # Not checked against the metaschema here: that costs ~0.1 s per run and the schema is a
    # committed file, so tests/test_schema.py checks it once instead.
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema())


def defaults() -> dict[str, Any]:
    """Top-level defaults, as the schema states them: the one place defaults live."""
    return {k: v["default"] for k, v in load_schema()["properties"].items() if "default" in v}


def validate(env: Environment) -> Settings:
    """Check one environment; raise ValidationError listing every problem, else return Settings."""
    merged = {**defaults(), **env.settings}
    # A value the reader already refused (an alias) is None now: say so once.
    refused = env.refused
    found = [p for p in (*_schema_problems(env), *_semantic_problems(env, merged))
             if not any(p.path == r or p.path.startswith(r + ".") for r in refused)]
    problems = [*env.problems, *found]
    if problems:
        raise ValidationError(problems=sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.path, p.message)))
    return Settings.from_dict(merged)


def check_shared(envs: Sequence[Environment]) -> None:
    """Settings of the one shared chart must agree across environments.

    Takes loaded (not validated) environments: a value of the wrong type is left to that
    environment's own validation. The reference is the value `_common.yaml` gives, else the
    first environment's; each environment that differs is reported at its own line.
    """
    common_file = f"{ENV_DIR}/{COMMON_FILE}"
    problems = []
    for name in SHARED_SETTINGS:
        default = load_schema()["properties"][name].get("default")
        values = [(env, env.settings.get(name, default)) for env in sorted(envs, key=lambda e: e.name)]
        values = [(env, v) for env, v in values if isinstance(v, str)]
        if len({v for _, v in values}) <= 1:
            continue
        from_common = [(env, v) for env, v in values if env.locate((name,)).file == common_file]
        ref_env, ref_value = (from_common or values)[0]
        ref = ref_env.locate((name,))
        ref_where = f"{ref.file}:{ref.line}" if ref.line else ref.file
        for env, value in values:
            if value == ref_value:
                continue
            origin = env.locate((name,))
            problems.append(Problem(
                origin.file, name,
                f"{value!r} disagrees with {ref_value!r} ({ref_where}); every environment shares one "
                f"chart: set {name} once in {common_file}",
                origin.line or None,
            ))
    if problems:
        raise ValidationError(problems=problems)


def _schema_problems(env: Environment) -> Iterable[Problem]:
    for error in _validator().iter_errors(env.settings):
        path = tuple(str(p) for p in error.absolute_path)
        if error.validator == "additionalProperties":
            allowed = list(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(allowed)):
                if _PASSWORDISH.search(key):
                    yield env.problem((*path, key), "a password is never a setting (it would end up in git): "
                                      "export TF_VAR_redis_password or REDIS_PASSWORD for secret_mode render, or "
                                      "use secret_mode existing/external; remove this line")
                    continue
                # A known name with a suffix (redis-server for redis) is that name; else the closest.
                longer = sorted((a for a in allowed if key.startswith((f"{a}-", f"{a}_"))), key=len)
                hint = longer[-1:] or difflib.get_close_matches(key, allowed, n=1)
                suggestion = f"did you mean {hint[0]!r}?" if hint else "see the settings table in README.md"
                yield env.problem((*path, key), f"unknown setting; {suggestion}")
            continue
        yield env.problem(path, _explain(error))


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


def _semantic_problems(env: Environment, merged: dict[str, Any]) -> Iterable[Problem]:
    """Rules across fields. Run on unvalidated data too, so each rule first checks its inputs'
    types and stays silent when the schema already reports them."""
    if isinstance(merged.get("env"), str) and merged["env"] != env.name:
        yield env.problem(("env",), f"{merged['env']!r} does not match the file name: expected {env.name!r}")
    resources: Any = merged.get("resources")
    for kind in ("cpu", "memory"):
        try:
            request = resources["requests"][kind]
            limit = resources["limits"][kind]
            larger = quantity.parse(request) > quantity.parse(limit)
        except (TypeError, KeyError, ValueError):
            continue
        if larger:
            yield env.problem(("resources", "requests", kind),
                              f"request {request!r} is larger than the limit {limit!r}; Kubernetes refuses that")
    release = merged.get("release_name")
    if isinstance(release, str) and re.match(load_schema()["$defs"]["dns_label"]["pattern"], release):
        # Bitnami does not truncate "<fullname>-master", and Kubernetes labels a StatefulSet's
        # pods with its name plus an 11-character revision hash: a label value holds 63.
        statefulset = bitnami.master(bitnami.fullname(release))
        if len(statefulset) > MAX_STATEFULSET_NAME:
            most = MAX_STATEFULSET_NAME - len("-master") - (0 if CHART in release else len(f"-{CHART}"))
            yield env.problem(("release_name",),
                              f"{release!r} is too long: the Bitnami chart names its StatefulSet {statefulset!r} "
                              f"({len(statefulset)} characters, at most {MAX_STATEFULSET_NAME} work); use at most "
                              f"{most} characters")
    for path, message in topology.problems(merged):
        yield env.problem(path, message)
    registry, region = merged.get("ecr_registry"), merged.get("region")
    ecr = ECR_HOST.match(registry) if isinstance(registry, str) else None
    region_ok = isinstance(region, str) and re.match(load_schema()["properties"]["region"]["pattern"], region)
    if ecr and region_ok and ecr.group("region") != region:
        yield env.problem(("ecr_registry",),
                          f"registry is in region {ecr.group('region')!r} but the environment's region is "
                          f"{merged['region']!r}")
