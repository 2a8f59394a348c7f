"""Random strings, numbers and shapes in the settings (hypothesis): every run ends in exit 0 with
valid output, or exit 2 with `error:` lines only, each one line without control characters;
never a traceback (an exception escaping main() fails the example), never a write on failure."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.core.text import CONTROL
from tests.support.cli import tree

SETTINGS = ("namespace", "release_name", "secret_name", "storage_size", "rdb_save", "kube_version", "image_tag",
            "otp_ttl_seconds", "replica_count", "enable_redis", "api_versions", "resources.requests.cpu",
            "resources.limits.memory", "argocd.repo_url", "argocd.target_revision", "images.redis.digest",
            "images.redis.source", "policy_exceptions.0.reason", "ecr_source.terraform_state.path", "aws_secret_name")
SCALARS = st.one_of(st.text(max_size=40), st.text(alphabet=st.characters(max_codepoint=0x20ff), max_size=12),
                    st.integers(), st.integers(min_value=-10**40, max_value=10**40), st.floats(allow_nan=True),
                    st.booleans(), st.none())
PRISTINE: dict[Path, Path] = {}
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=5), SCALARS, max_size=2))


@pytest.fixture
def fuzz_root(bare_project: Path, tmp_path: Path) -> Iterator[Path]:
    """The tests' project (one per test function, shared by its examples), with a copy of its
    chart/ and argocd/ to put back after a build that succeeded."""
    for top in ("chart", "argocd"):
        shutil.copytree(bare_project / top, tmp_path / "pristine" / top)
    PRISTINE[bare_project] = tmp_path / "pristine"
    yield bare_project


def _put(data: dict[str, Any], setting: str, value: Any) -> None:
    parts = setting.split(".")
    if parts[0] == "policy_exceptions":
        data["policy_exceptions"] = [{"rule": "TR-IMG-002", "reason": value}]
        return
    if parts[0] == "ecr_source":
        data.pop("ecr_registry", None)
        data.pop("ecr_repository", None)
    node = data
    for key in parts[:-1]:
        node = node.setdefault(key, {}) if isinstance(node.get(key, {}), dict) else node
    node[parts[-1]] = value


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(root), *args])
    return code, out.getvalue(), err.getvalue()


def _one_line_errors(err: str) -> None:
    lines = err.splitlines()
    assert lines, "exit 2 without a message"
    for line in lines:
        assert line.startswith("error: "), line
        assert not CONTROL.search(line), repr(line)
        assert "Traceback" not in line


def _with(root: Path, setting: str, value: Any) -> str:
    path = root / "environments" / "dev.yaml"
    original = path.read_text()
    data = yaml.safe_load(original)
    _put(data, setting, value)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return original


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(setting=st.sampled_from(SETTINGS), value=VALUES)
def test_any_value_of_any_setting_is_valid_output_or_one_line_errors(fuzz_root: Path, setting: str,
                                                                     value: Any) -> None:
    original = _with(fuzz_root, setting, value)
    try:
        before = tree(fuzz_root)
        code, out, err = _cli(fuzz_root, "outputs", "dev")
        assert code in (0, 2), (code, err)
        if code == 0:
            assert json.loads(out)["redis_enabled"] in (True, False)
            assert err == ""
        else:
            _one_line_errors(err)
        assert tree(fuzz_root) == before
    finally:
        (fuzz_root / "environments" / "dev.yaml").write_text(original)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(setting=st.sampled_from(SETTINGS), value=SCALARS)
def test_build_writes_everything_or_nothing(fuzz_root: Path, setting: str, value: Any) -> None:
    original = _with(fuzz_root, setting, value)
    try:
        before = tree(fuzz_root)
        code, _, err = _cli(fuzz_root, "build", "dev")
        assert code in (0, 1, 2), (code, err)
        if code == 0:
            assert (fuzz_root / "build" / "dev" / "manifests.yaml").is_file()
        else:
            _one_line_errors(err)
            assert tree(fuzz_root) == before, "a failed build wrote something"
    finally:
        (fuzz_root / "environments" / "dev.yaml").write_text(original)
        shutil.rmtree(fuzz_root / "build", ignore_errors=True)
        for top in ("chart", "argocd"):  # a successful build rewrote them: back to the copy
            shutil.rmtree(fuzz_root / top)
            shutil.copytree(PRISTINE[fuzz_root] / top, fuzz_root / top)
