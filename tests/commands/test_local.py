"""commands/local.py: what `local` refuses before it starts anything."""

from __future__ import annotations

from pathlib import Path

from tests.support.project import append


def test_a_port_out_of_range_is_bad_input(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "local", "dev", "--port", "70000")
    assert (ran.code, ran.err) == (2, "error: --port: expected a TCP port from 1 to 65535 (or 0 for a free one), "
                                      "got 70000\n")


def test_an_environment_without_redis_has_nothing_to_run(bare_project: Path, cli) -> None:
    append(bare_project, "staging", "enable_redis: false\n")
    ran = cli(bare_project, "local", "staging")
    assert (ran.code, ran.err) == (2, "error: staging: enable_redis is false: nothing to run\n")
