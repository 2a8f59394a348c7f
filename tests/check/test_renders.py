"""check/renders.py: environments rendered and checked on a private copy (chart/ untouched), with
the helm calls Argo CD makes; a lint that passed on the same inputs is neither rerun nor repeated
by the render's schema check, except where a password is in play; and helm's errors never carry
the password. (What a user sees when a render fails through build: tests/test_pipeline.py.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import pipeline
from generator.check import renders
from generator.core.errors import RenderError, ToolError
from tests.support.cli import tree
from tests.support.paths import CHECKOUT, pinned_tool
from tests.support.project import fake_tool, set_settings

PASSWORD = "renders-test-pw-0123456789"
SKIP_SCHEMA = "--skip-schema-validation"


@pytest.fixture
def helm_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[list[str]]]:
    """$HELM: the pinned helm, logging each call's arguments; returns (and clears) the log."""
    log = tmp_path / "helm-calls.log"
    wrapper = fake_tool(tmp_path / "bin" / "helm", f'echo "$*" >> "{log}"\nexec "{pinned_tool("helm")}" "$@"\n')
    monkeypatch.setenv("HELM", str(wrapper))

    def calls() -> list[list[str]]:
        found = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
        log.unlink(missing_ok=True)
        return found

    return calls


def _render(root: Path, names: tuple[str, ...] = ("dev",), **options: object) -> list[renders.Result]:
    prepared = [pipeline.prepare(root, name, resolve_ecr=False) for name in names]
    return renders.render_checked(root, [p.settings for p in prepared], [p.env.file for p in prepared],
                                  **options)  # type: ignore[arg-type]


def _verbs(calls: list[list[str]]) -> list[str]:
    return sorted(call[0] + (" skip-schema" if SKIP_SCHEMA in call else "") for call in calls)


def test_chart_is_never_touched_and_each_environment_gets_its_render(bare_project: Path) -> None:
    before = tree(bare_project)
    results = _render(bare_project, ("dev", "prod"))
    assert tree(bare_project) == before
    assert [r.settings.env for r in results] == ["dev", "prod"]
    for result in results:
        assert f"values-{result.settings.env}.yaml" in result.files
        assert result.objects and all(o["metadata"]["namespace"] == result.settings.namespace
                                      for o in result.objects if "namespace" in o["metadata"])
        assert result.summary.errors == () and result.summary.validated > 0


def test_missing_templates_are_a_render_error_naming_the_fix(bare_project: Path) -> None:
    shutil.rmtree(bare_project / "chart" / "templates")
    with pytest.raises(RenderError, match=r"chart/templates/: missing; .*git checkout -- chart"):
        _render(bare_project)


def test_a_lint_passed_before_is_not_rerun_and_its_render_skips_the_schema(
        bare_project: Path, helm_calls: Callable[[], list[list[str]]]) -> None:
    cold = _render(bare_project)
    assert _verbs(helm_calls()) == ["lint", "template"]
    warm = _render(bare_project)
    assert _verbs(helm_calls()) == ["template skip-schema"]
    assert [r.rendered for r in warm] == [r.rendered for r in cold]
    set_settings(bare_project, "dev", maxmemory_policy="noeviction")  # other values: linted again
    _render(bare_project)
    assert _verbs(helm_calls()) == ["lint", "template"]


def test_with_a_password_every_lint_runs_and_every_render_checks_the_schema(
        bare_project: Path, helm_calls: Callable[[], list[list[str]]]) -> None:
    set_settings(bare_project, "dev", secret_mode="render")
    for _ in range(2):
        _render(bare_project, password=PASSWORD)
        assert _verbs(helm_calls()) == ["lint", "template"]


def test_without_lint_each_one_lint_for_the_first_environment_that_deploys_redis(
        bare_project: Path, helm_calls: Callable[[], list[list[str]]]) -> None:
    set_settings(bare_project, "dev", enable_redis=False)
    _render(bare_project, ("dev", "staging", "prod"), lint_each=False)
    calls = helm_calls()
    lints = [call for call in calls if call[0] == "lint"]
    assert len(lints) == 1 and any(a.endswith("values-staging.yaml") for a in lints[0]), lints
    assert sorted(call[0] for call in calls) == ["lint", "template", "template", "template"]


def test_a_failing_helm_is_a_tool_error_without_the_password(
        bare_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_tool(tmp_path / "fake" / "helm", f'cat >/dev/null\necho "Error: bad password {PASSWORD}" >&2\nexit 1\n')
    monkeypatch.setenv("HELM", str(fake))
    set_settings(bare_project, "dev", secret_mode="render")
    with pytest.raises(ToolError) as caught:
        _render(bare_project, password=PASSWORD)
    assert PASSWORD not in str(caught.value) and "********" in str(caught.value)


def test_the_checks_after_helm_are_imported_by_warm_not_before_helm_starts() -> None:
    """What checks a render is imported on first use, or by warm() while helm runs (pipeline.build):
    not on the way to helm's start, where every millisecond delays the render."""
    code = ("import sys; from generator.check import renders; after = ('generator.check.manifests', "
            "'generator.check.subchart', 'generator.images.listing'); print(any(m in sys.modules for m in after)); "
            "renders.warm(); print(all(m in sys.modules for m in after))")
    ran = subprocess.run([sys.executable, "-c", code], cwd=CHECKOUT, capture_output=True, text=True, check=True)
    assert ran.stdout.split() == ["False", "True"]


def test_a_failing_render_that_skipped_the_schema_is_not_run_again(
        bare_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a helm that does not know --skip-schema-validation gets a second render; any other
    failure (a timeout, a template error) is reported as helm gave it, after one wait."""
    log, fail = tmp_path / "calls.log", tmp_path / "fail-skipped-renders"
    wrapper = fake_tool(tmp_path / "wrapper" / "helm",
                        f'echo "$1" >> "{log}"\nif [ -e "{fail}" ]; then for a in "$@"; do '
                        f'[ "$a" = {SKIP_SCHEMA} ] && {{ echo "Error: something else went wrong" >&2; exit 1; }}; '
                        f'done; fi\nexec "{pinned_tool("helm")}" "$@"\n')
    monkeypatch.setenv("HELM", str(wrapper))
    _render(bare_project)  # lint + template: the lint's pass is cached
    log.unlink()
    fail.touch()
    with pytest.raises(ToolError, match="something else went wrong"):
        _render(bare_project)
    assert log.read_text().split() == ["template"]
