"""The cache seen from the command line: a warm build or check writes and prints exactly what a
cold one does while skipping what its inputs did not change (observed through a helm that logs
its calls), an edit is never masked, the password never reaches the cache, and a warm build
does not import what only a miss needs."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.core import cache
from tests.support.cli import Ran, tree
from tests.support.fixture_project import SKIP_NO_SUBCHART, archive
from tests.support.paths import CHECKOUT, pinned_tool
from tests.support.project import fake_tool

PASSWORD = "cache-test-pw-0123456789"
# A render whose values passed a lint of the same chart before: helm need not check them
# against the charts' values.schema.json again.
SKIPPED_SCHEMA = "template:schema-linted"


@pytest.fixture
def helm_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """$HELM: the pinned helm, logging the verb of every call (SKIPPED_SCHEMA: a template that
    leaves the values' schema check to the lint that passed); returns (and clears) the log."""
    log = tmp_path / "helm.log"
    wrapper = fake_tool(tmp_path / "bin" / "helm",
                        f'verb="$1"\nfor a in "$@"; do [ "$a" = --skip-schema-validation ] && verb="{SKIPPED_SCHEMA}"; '
                        f'done\necho "$verb" >> "{log}"\nexec "{pinned_tool("helm")}" "$@"\n')
    monkeypatch.setenv("HELM", str(wrapper))

    def calls() -> list[str]:
        found = log.read_text().split() if log.exists() else []
        log.unlink(missing_ok=True)
        return sorted(found)

    return calls


def _outputs(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(root).items() if k.split("/")[0] in ("chart", "argocd", "build")}


@pytest.mark.parametrize("variant", ["bare", "subchart"])
def test_a_warm_build_is_a_cold_build_without_lint(variant: str, request: pytest.FixtureRequest,
                                                  cli: Callable[..., Ran], helm_log: Callable[[], list[str]]) -> None:
    if variant == "subchart" and archive() is None:
        pytest.skip(SKIP_NO_SUBCHART)
    root: Path = request.getfixturevalue("bare_project" if variant == "bare" else "with_subchart")
    helm_log()  # the calls that built the tests' project on first use
    cold = cli(root, "build", "dev")
    assert cold.code == 0, cold.err
    cold_files = _outputs(root)
    assert helm_log() == ["lint", "template"]
    warm = cli(root, "build", "dev")
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    assert _outputs(root) == cold_files
    assert helm_log() == [SKIPPED_SCHEMA]
    shutil.rmtree(cache.directory())  # safe at any time
    again = cli(root, "build", "dev")
    assert (again.out, _outputs(root)) == (cold.out, cold_files)
    assert helm_log() == ["lint", "template"]


def test_an_edit_after_a_cached_build_is_linted_again(bare_project: Path, cli: Callable[..., Ran],
                                                     helm_log: Callable[[], list[str]]) -> None:
    assert cli(bare_project, "build", "dev").code == 0
    assert cli(bare_project, "build", "dev").code == 0
    helm_log()
    template = bare_project / "chart" / "templates" / "networkpolicy.yaml"
    template.write_text(template.read_text() + "\n{{- /* a comment changes nothing rendered */}}\n")
    assert cli(bare_project, "build", "dev").code == 0
    assert helm_log() == ["lint", "template"]
    dev = bare_project / "environments" / "dev.yaml"
    dev.write_text(dev.read_text().replace("storage_size: 1Gi", "storage_size: 2Gi"))
    assert cli(bare_project, "build", "dev").code == 0
    assert helm_log() == ["lint", "template"]
    assert cli(bare_project, "build", "dev").code == 0
    assert helm_log() == [SKIPPED_SCHEMA]


def test_a_helm_without_skip_schema_validation_still_builds_warm(bare_project: Path, tmp_path: Path,
                                                                 cli: Callable[..., Ran],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A helm older than 3.16 (HELM may name any) refuses the flag: the render is run again
    with the values' schema check, as before."""
    old_helm = fake_tool(tmp_path / "old" / "helm",
                         'for a in "$@"; do [ "$a" = --skip-schema-validation ] && '
                         '{ echo "Error: unknown flag: --skip-schema-validation" >&2; exit 1; }; done\n'
                         f'exec "{pinned_tool("helm")}" "$@"\n')
    cold = cli(bare_project, "build", "dev")
    assert cold.code == 0, cold.err
    outputs = _outputs(bare_project)
    monkeypatch.setenv("HELM", str(old_helm))
    assert cli(bare_project, "build", "dev").code == 0  # lints with this helm: a miss
    warm = cli(bare_project, "build", "dev")
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    assert _outputs(bare_project) == outputs


# Memory settings (issue 12) reach the rendered configuration: maxmemory derived from the limit,
# set outright, and its eviction policy. Each must miss every cache, and a warm build after it
# must write what a build with an empty cache writes.
MEMORY_EDITS = {
    "limit (derived maxmemory)": ("    memory: 128Mi\n", "    memory: 192Mi\n"),
    "maxmemory": ("secret_mode: render\n", "secret_mode: render\nmaxmemory: 32Mi\n"),
    "maxmemory_policy": ("secret_mode: render\n", "secret_mode: render\nmaxmemory_policy: noeviction\n"),
}


@pytest.mark.parametrize("edit", MEMORY_EDITS)
def test_a_memory_setting_changed_after_a_cached_build_misses(
        edit: str, bare_project: Path, cli: Callable[..., Ran], helm_log: Callable[[], list[str]]) -> None:
    assert cli(bare_project, "build", "dev").code == 0
    before = (bare_project / "chart" / "values-dev.yaml").read_text()
    helm_log()
    dev = bare_project / "environments" / "dev.yaml"
    old, new = MEMORY_EDITS[edit]
    assert dev.read_text().count(old) == 1
    dev.write_text(dev.read_text().replace(old, new))
    warm = cli(bare_project, "build", "dev")
    assert warm.code == 0, warm.err
    assert helm_log() == ["lint", "template"]
    warm_files = _outputs(bare_project)
    assert warm_files["chart/values-dev.yaml"].decode() != before
    shutil.rmtree(cache.directory())
    cold = cli(bare_project, "build", "dev")
    assert (cold.out, cold.err, _outputs(bare_project)) == (warm.out, warm.err, warm_files)
    assert helm_log() == ["lint", "template"]


def test_a_warm_check_reports_what_a_cold_one_does(bare_project: Path, cli: Callable[..., Ran],
                                                   helm_log: Callable[[], list[str]]) -> None:
    cold = cli(bare_project, "check")
    assert cold.code == 0, cold.err
    environments = len(list((bare_project / "environments").glob("[!_]*.yaml")))
    assert helm_log() == sorted(["lint", "template", "template"] + ["template"] * environments)  # guard: 2
    warm = cli(bare_project, "check")
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    # The one environment check lints has its schema check from that lint.
    assert helm_log() == sorted([SKIPPED_SCHEMA] + ["template"] * (environments - 1))


def test_a_breakage_after_a_cached_check_is_reported_as_by_a_first_check(
        bare_project: Path, tmp_path: Path, cli: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli(bare_project, "check").code == 0
    policy = bare_project / "chart" / "templates" / "networkpolicy.yaml"
    policy.write_text(policy.read_text().replace("\nspec:\n", "\nspec:\n  notAField: true\n", 1))
    warm = cli(bare_project, "check")
    assert warm.code == 1 and "notAField" in warm.err
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty"))
    assert cli(bare_project, "check") == warm


def test_the_password_never_reaches_the_cache(bare_project: Path, cli: Callable[..., Ran],
                                              helm_log: Callable[[], list[str]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    for _ in range(2):
        ran = cli(bare_project, "build", "dev")
        assert ran.code == 0, ran.err
        assert helm_log() == ["lint", "template"]  # what read the password was not cached
    forms = [PASSWORD.encode(), base64.b64encode(PASSWORD.encode())]
    assert forms[1] in (bare_project / "build" / "dev" / "manifests.yaml").read_bytes()  # it did reach helm
    assert not (cache.directory() / "helm").exists()
    # One validation was cached: the Argo CD Application's; the rendered objects' was not.
    assert len(list((cache.directory() / "manifests").iterdir())) == 1
    for entry in cache.directory().rglob("*"):
        if entry.is_file():
            assert not any(f in entry.read_bytes() for f in forms), entry


_MODULES = """
import contextlib, io, json, sys
from generator.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
heavy = ("jsonschema", "referencing", "jinja2", "kubernetes_validate", "boto3", "botocore", "redis")
print(json.dumps([code, sorted({m.split(".")[0] for m in sys.modules} & set(heavy))]))
"""


def test_a_warm_build_imports_only_what_a_miss_needs(bare_project: Path, tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def imported() -> list[str]:
        done = subprocess.run([sys.executable, "-c", _MODULES, "--root", str(bare_project), "build", "dev"],
                              cwd=CHECKOUT, env=env, capture_output=True, text=True, timeout=120, check=False)
        code, modules = json.loads(done.stdout.splitlines()[-1])
        assert code == 0, done.stderr
        return list(modules)

    assert imported() == ["jinja2", "jsonschema", "referencing"]  # cold: validation and rendering ran
    assert imported() == []
