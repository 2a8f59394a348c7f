"""render/memory.py: maxmemory from the memory limit, the policy lines, the capacity figures and
the README's capacity table.

Every environment here is the tests' own (tests/support/memstore.py or a file written into a
project copy), never a committed one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.render import memory, redis_values
from tests.support import memstore

MiB = 1 << 20


@pytest.mark.parametrize(("limit", "mib"), [("64Mi", 18), ("128Mi", 45), ("256Mi", 97), ("512Mi", 202),
                                            ("1Gi", 411), ("0.5Gi", 202), ("134217728", 45)])
def test_maxmemory_is_the_formula_in_whole_mib(limit: str, mib: int) -> None:
    s = memstore.settings(limit)
    value = memory.maxmemory(s)
    assert value == mib * MiB
    limit_bytes = memory.limit(s)
    assert limit_bytes is not None
    # floor_MiB((0.9 x limit - 16 MiB) / 2.2), computed here in floats, independently
    assert mib == int((0.9 * limit_bytes - 16 * MiB) / 2.2 / MiB)
    assert memory.fits(value, limit_bytes) and not memory.fits(value + MiB, limit_bytes)


def test_an_override_wins_and_no_limit_means_no_derived_value() -> None:
    assert memory.maxmemory(memstore.settings("128Mi", maxmemory="40Mi")) == 40 * MiB
    assert memory.maxmemory(memstore.settings("128Mi", maxmemory="30000000")) == 30_000_000
    unlimited = memstore.settings(resources={"limits": {"cpu": "1"}})
    assert memory.limit(unlimited) is None and memory.maxmemory(unlimited) is None
    assert memory.maxmemory(memstore.settings(resources={"limits": {"cpu": "1"}}, maxmemory="64Mi")) == 64 * MiB


def test_the_configuration_carries_maxmemory_policy_and_samples() -> None:
    lines = redis_values.redis_configuration(memstore.settings("256Mi")).splitlines()
    assert [x for x in lines if x.startswith("maxmemory")] == [
        f"maxmemory {97 * MiB}", "maxmemory-policy volatile-ttl", "maxmemory-samples 5"]
    refusing = redis_values.redis_configuration(memstore.settings("256Mi", maxmemory_policy="noeviction"))
    assert "maxmemory-policy noeviction" in refusing.splitlines()
    set_ = redis_values.redis_configuration(memstore.settings("256Mi", maxmemory="50Mi"))
    assert f"maxmemory {50 * MiB}" in set_.splitlines() and "as set (50Mi)" in set_
    # the lines reach redis.conf, which every role includes
    assert f"maxmemory {45 * MiB}" in memstore.files(memstore.settings("128Mi"))["redis.conf"].splitlines()


@pytest.mark.parametrize(("chars", "record"), [(8, 200), (20, 200), (21, 216), (36, 216), (37, 232), (64, 248),
                                               (128, 328)])
def test_record_bytes_follow_the_key_string_size_class(chars: int, record: int) -> None:
    assert memory.record_bytes(chars) == record


def test_capacity_is_maxmemory_less_the_empty_instance_over_the_record() -> None:
    assert memory.capacity(45 * MiB) == (45 * MiB - 1_000_000) // 200 == 230_929
    assert memory.capacity(202 * MiB, username_chars=30) == (202 * MiB - 1_000_000) // 216
    assert memory.capacity(100) == 0


def test_outputs_state_maxmemory_policy_and_capacity(bare_project: Path, cli) -> None:
    (bare_project / "environments" / "memtest.yaml").write_text(
        memstore.env_file("256Mi", "maxmemory_policy: noeviction\n"))
    ran = cli(bare_project, "outputs", "memtest")
    assert ran.code == 0, ran.err
    out = json.loads(ran.out)
    assert (out["redis_maxmemory_bytes"], out["redis_maxmemory_policy"], out["redis_otp_capacity"]) == (
        97 * MiB, "noeviction", (97 * MiB - 1_000_000) // 200)
    assert memory.outputs(memstore.settings(enable_redis=False)) == {
        "redis_maxmemory_bytes": None, "redis_maxmemory_policy": None, "redis_otp_capacity": None}


def test_capacity_table_of_a_fixture() -> None:
    table = memory.capacity_table([memstore.settings("512Mi", env="big"), memstore.settings("128Mi", env="small",
                                                                                              maxmemory="40Mi"),
                                   memstore.settings(env="off", enable_redis=False)])
    assert table.splitlines()[2:] == [
        "| big | 512Mi | 202 MiB | 0.39 | volatile-ttl | 1,054,061 | 3,513 |",
        "| off | - | - | - | - | Redis not deployed (enable_redis: false) | - |",
        "| small | 128Mi | 40 MiB (set) | 0.31 | volatile-ttl | 204,715 | 682 |",
    ]
