"""What happens without a memory limit: build refuses it unless maxmemory is set, and check then
reports TR-MEM-003 until the environment accepts it in writing (policy_exceptions)."""

from __future__ import annotations

from pathlib import Path

ENV = ("env: memtest\nregion: us-east-1\nenable_redis: true\nnamespace: memtest\n"  # a place of its own
       "ecr_registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com\necr_repository: twofa/memtest\n"
       "resources:\n  requests:\n    memory: 64Mi\n  limits:\n    cpu: 500m\n")


def test_no_memory_limit_needs_maxmemory_then_a_written_exception(bare_project: Path, cli) -> None:
    env = bare_project / "environments" / "memtest.yaml"
    env.write_text(ENV)
    ran = cli(bare_project, "build", "memtest")
    assert (ran.code, ran.err) == (2, "error: environments/memtest.yaml:10: resources.limits.memory: missing: "
                                      "maxmemory is derived from the container's memory limit; set "
                                      "resources.limits.memory (at least 64Mi), or set maxmemory (check then reports "
                                      "TR-MEM-003)\n")
    env.write_text(ENV + "maxmemory: 64Mi\n")
    ran = cli(bare_project, "build", "memtest")
    assert ran.code == 0, ran.err
    assert "maxmemory 67108864" in (bare_project / "chart" / "values-memtest.yaml").read_text()
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "error: memtest: TR-MEM-003 chart/values-memtest.yaml redis.master.resources.limits.memory: the Redis " \
           "container has no memory limit" in ran.out
    env.write_text(ENV + "maxmemory: 64Mi\npolicy_exceptions:\n  - rule: TR-MEM-003\n"
                   "    reason: the lab node has memory to spare\n")
    assert cli(bare_project, "build", "memtest").code == 0
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.out + ran.err
    assert "suppressed" in ran.out and "the lab node has memory to spare" in ran.out
