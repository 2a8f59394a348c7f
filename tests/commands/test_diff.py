"""commands/diff.py: `diff <env>`, what it prints and its exit status."""

from __future__ import annotations

from pathlib import Path

from tests.support.project import commit_all


def test_no_change_says_so(bare_project: Path, cli) -> None:
    commit_all(bare_project)
    ran = cli(bare_project, "diff", "dev")
    assert (ran.code, ran.out) == (0, "dev: no change to the rendered objects\n"), ran.err
