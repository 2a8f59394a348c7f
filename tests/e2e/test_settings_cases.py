"""The settings cases of tests/data/ end to end: every invalid one through the CLI (exit 2, the exact
one-line message, nothing written), every valid one rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import pipeline
from generator.check import renders
from tests.support import cases, fixture_project
from tests.support.cli import tree

INVALID = cases.load("invalid")
VALID = cases.load("valid")


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


def test_every_valid_case_renders(bare_project: Path, tmp_path: Path) -> None:
    """Each valid case of an environment file as an environment of one project, all rendered by helm
    and checked against the Kubernetes schemas in one pass (as `check` renders many environments):
    cheaper than a build per case, and every setting's rendering is still proven. A case of the
    shared file changes every environment: it gets a project copy of its own, and dev is rendered."""
    own = [c for c in VALID if c.file == "environments/dev.yaml"]
    shared = [c for c in VALID if c.file != "environments/dev.yaml"]
    envs = bare_project / "environments"
    for path in envs.glob("[!_]*.yaml"):
        path.unlink()
    for case in own:
        text = case.text.decode()
        assert "\nenv: dev\n" in text, case.name
        name = case.name.replace("_", "-")
        (envs / f"{name}.yaml").write_text(text.replace("\nenv: dev\n", f"\nenv: {name}\n"))
    prepared = pipeline.prepare_all(bare_project)
    assert sorted(p.settings.env for p in prepared) == sorted(c.name.replace("_", "-") for c in own)
    results = renders.render_checked(bare_project, [p.settings for p in prepared], [p.env.file for p in prepared],
                                      lint_each=False)
    for case in shared:
        root = fixture_project.copy(tmp_path / case.name, subchart=False)
        (root / case.file).write_bytes(case.text)
        dev = pipeline.prepare(root, "dev")
        results += renders.render_checked(root, [dev.settings], [dev.env.file])
    assert len(results) == len(VALID)
    for result in results:
        kinds = {o["kind"] for o in result.objects}
        assert result.summary.errors == ()
        if result.settings.enable_redis:
            assert "NetworkPolicy" in kinds, result.settings.env
        else:
            assert kinds == set(), result.settings.env
