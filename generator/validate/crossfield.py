"""The rules a JSON schema cannot say: across fields of one environment (requests within limits,
names Bitnami derives short enough, Sentinel's needs, the ECR registry's region) and across the
environments of one project (the one shared chart).

The rules run on unvalidated data too (the schema's problems and these are reported together),
so each first checks its inputs' types and stays silent when the schema already reports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator.bitnami import CHART, UNQUOTED_SETTINGS
from generator.bitnami import names as bitnami
from generator.core import quantity, yamlio
from generator.core.errors import Problem, ValidationError
from generator.core.names import ECR_HOST
from generator.core.paths import COMMON_FILE, ENV_DIR
from generator.images.refs import oci_location
from generator.load.environment import Environment
from generator.render import memory
from generator.render.redis_values import SENTINEL_QUORUM

SHARED_SETTINGS = ("chart_version", "chart_repository", "chart_digest", "chart_source")
MAX_STATEFULSET_NAME = 52
MIN_SENTINEL_NODES = 3  # a majority of Sentinels must survive the loss of the master's node


def check_shared(envs: Sequence[Environment], defaults: Mapping[str, Any]) -> None:
    """Settings of the one shared chart must agree across environments.

    Takes loaded (not validated) environments: a value of the wrong type is left to that
    environment's own validation. The reference is the value `_common.yaml` gives, else the
    first environment's; each environment that differs is reported at its own line. A setting
    without a default (chart_digest) is unset where no file states it, and unset is a value.
    """
    common_file = f"{ENV_DIR}/{COMMON_FILE}"
    problems = []
    for name in SHARED_SETTINGS:
        default = defaults.get(name, "")
        values = [(env, env.settings.get(name, default)) for env in sorted(envs, key=lambda e: e.name)]
        values = [(env, v) for env, v in values if isinstance(v, str)]
        if len({v for _, v in values}) <= 1:
            continue
        from_common = [(env, v) for env, v in values if env.locate((name,)).file == common_file]
        unset = [(env, v) for env, v in values if name not in env.settings]
        ref_env, ref_value = (from_common or unset or values)[0]
        ref = ref_env.locate((name,))
        ref_where = f"{ref.file}:{ref.line}" if ref.line else ref.file
        if not from_common and unset:
            ref_where = f"unset in {common_file}"
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


def problems(env: Environment, merged: dict[str, Any], schema: Mapping[str, Any]) -> Iterable[Problem]:
    """Every rule across the fields of one environment (`merged`: its settings over the schema's
    defaults), located by `env`."""
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
    if isinstance(release, str) and re.fullmatch(schema["$defs"]["dns_label"]["pattern"], release):
        # Bitnami does not truncate "<fullname>-master", and Kubernetes labels a StatefulSet's
        # pods with its name plus an 11-character revision hash: a label value holds 63.
        statefulset = bitnami.master(bitnami.fullname(release))
        if len(statefulset) > MAX_STATEFULSET_NAME:
            most = MAX_STATEFULSET_NAME - len("-master") - (0 if CHART in release else len(f"-{CHART}"))
            yield env.problem(("release_name",),
                              f"{release!r} is too long: the Bitnami chart names its StatefulSet {statefulset!r} "
                              f"({len(statefulset)} characters, at most {MAX_STATEFULSET_NAME} work); use at most "
                              f"{most} characters")
    # A resources mapping the reader already refused part of (a merge key) is judged once it is written out.
    read_ok = not any(p.path.split(".")[0] == "resources" for p in env.problems)
    for path, message in (*_sentinel_problems(merged), *(_memory_problems(merged) if read_ok else ())):
        yield env.problem(path, message)
    for name, field in UNQUOTED_SETTINGS.items():
        value = merged.get(name)
        if isinstance(value, str) and value and yamlio.reads_as_non_string(value):
            yield env.problem((name,), f"{value!r} would reach Kubernetes as a number, boolean or null: the Bitnami "
                              f"chart writes {field} without quotes; expected a name YAML reads as a string "
                              "(1e3, 012, yes, on, null and the like are numbers, booleans or null to it)")
    repository, argo = merged.get("chart_repository"), merged.get("argocd")
    chart_host = oci_location(repository) if isinstance(repository, str) else None
    if (chart_host and ECR_HOST.fullmatch(chart_host[0]) and isinstance(argo, dict)
            and not argo.get("chart_role_arn")):
        yield env.problem(("argocd", "chart_role_arn"), "required when chart_repository is an ECR registry: the IAM "
                          "role (IRSA) External Secrets Operator assumes to refresh Argo CD's ECR login (an "
                          "ARN, arn:aws:iam::<account>:role/<name>; README 'The chart from ECR')")
    registry, region = merged.get("ecr_registry"), merged.get("region")
    ecr = ECR_HOST.fullmatch(registry) if isinstance(registry, str) else None
    region_ok = isinstance(region, str) and re.fullmatch(schema["properties"]["region"]["pattern"], region)
    if ecr and region_ok and ecr.group("region") != region:
        yield env.problem(("ecr_registry",),
                          f"registry is in region {ecr.group('region')!r} but the environment's region is "
                          f"{merged['region']!r}")


def _sentinel_problems(merged: dict[str, Any]) -> Iterable[tuple[tuple[str, ...], str]]:
    sentinel, architecture, count = (merged.get(k) for k in ("sentinel_enabled", "architecture", "replica_count"))
    if sentinel is True and architecture == "standalone":
        yield ("sentinel_enabled",), "Sentinel needs replicas to promote: set architecture: replication"
    if (sentinel is True and isinstance(count, int) and not isinstance(count, bool)
            and count < MIN_SENTINEL_NODES):
        yield ("replica_count",), (f"{count} is too few for Sentinel: at least {MIN_SENTINEL_NODES} Redis+Sentinel "
                                   f"pods, so a majority (quorum {SENTINEL_QUORUM}) survives a lost node")


def _memory_problems(merged: dict[str, Any]) -> Iterable[tuple[tuple[str, ...], str]]:
    """maxmemory against the container's memory limit (generator/render/memory.py has the formula)."""
    if merged.get("enable_redis") is not True:
        return
    resources: Any = merged.get("resources")
    if not _well_formed(resources):
        return  # the schema reports it; the limit is judged once the mapping is right
    limit_text = dict(resources).get("limits", {}).get("memory")
    given = merged.get("maxmemory")
    limit, value = memory.to_bytes(_text(limit_text)), memory.to_bytes(_text(given))
    if (limit_text is not None and limit is None) or (given is not None and value is None):
        return  # malformed: the schema says so
    smallest = memory.largest(memory.MIN_LIMIT)
    if limit is None and value is None:
        yield ("resources", "limits", "memory"), (
            "missing: maxmemory is derived from the container's memory limit; set resources.limits.memory "
            f"(at least {_mi(memory.MIN_LIMIT)}), or set maxmemory (check then reports TR-MEM-003)")
    elif limit is not None and limit < memory.MIN_LIMIT:
        yield ("resources", "limits", "memory"), (
            f"{limit_text!r} is below {_mi(memory.MIN_LIMIT)}: Redis needs {_mi(memory.FIXED_RSS)} of its own and "
            f"room for the RDB fork to copy every page ({_mi(memory.MIN_LIMIT)} leaves maxmemory {_mi(smallest)}, "
            f"about {memory.capacity(smallest):,} codes)")
    if value is None:
        return
    if value < memory.MIN_MAXMEMORY:
        yield ("maxmemory",), (f"{given!r} is below {_mi(memory.MIN_MAXMEMORY)}: it would hold fewer than "
                               f"{memory.capacity(memory.MIN_MAXMEMORY):,} codes")
    elif limit is not None and limit >= memory.MIN_LIMIT and not memory.fits(value, limit):
        yield ("maxmemory",), (
            f"{given!r} does not fit the memory limit {limit_text!r} (resources.limits.memory): "
            f"{float(memory.COW_FACTOR):g} x maxmemory + {_mi(memory.FIXED_RSS)} must be at most "
            f"{float(memory.LIMIT_MARGIN):g} x the limit, since the RDB fork can copy every page; the largest that "
            f"fits is {_mi(memory.largest(limit))}")


def _well_formed(resources: Any) -> bool:
    """resources as the schema wants it: requests/limits mappings of cpu/memory strings."""
    if not isinstance(resources, dict) or not set(resources) <= {"requests", "limits"}:
        return False
    return all(isinstance(v, dict) and set(v) <= {"cpu", "memory"} and all(isinstance(q, str) for q in v.values())
               for v in resources.values())


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _mi(n: int) -> str:
    return f"{n // memory.MiB}Mi"
