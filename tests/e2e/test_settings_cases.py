"""The settings cases of tests/data/ end to end: every invalid one through the CLI (exit 2, the exact
one-line message, nothing written), every valid one rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import cases
from tests.support.cli import tree

INVALID = cases.load("invalid")


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c.name)
def test_invalid_case(case: cases.Case, bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    (bare_project / case.file).write_bytes(case.text)
    if case.setenv:
        monkeypatch.setenv(*case.setenv)
    before = tree(bare_project)
    ran = cli(bare_project, *case.args)
    assert (ran.code, ran.err) == (2, case.expected)
    assert "Traceback" not in ran.err
    assert tree(bare_project) == before, "a failed build wrote something"
    if case.setenv:
        assert case.setenv[1] not in ran.err + ran.out, "the password was echoed"
