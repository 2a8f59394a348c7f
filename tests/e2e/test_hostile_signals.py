"""Signals during build, and the password while helm runs (issue 14): a real `build` process,
a real helm behind a wrapper that pauses, the signal sent while helm runs."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.support.hostile_cli import FORMS, env, finish, password_on_disk, snapshot, spawn
from tests.support.paths import pinned_tool

WRAPPER = """#!/bin/sh
# The pinned helm, after a pause; it records its arguments (paths, never values).
echo "$@" > "$MARKS/start.$$"
sleep "$SLEEP"
exec "$REAL_HELM" "$@"
"""


def _helm_env(tmp_path: Path, sleep: float) -> dict[str, str]:
    wrapper = tmp_path / "helm"
    wrapper.write_text(WRAPPER)
    wrapper.chmod(0o755)
    (tmp_path / "marks").mkdir()
    return env(tmp_path, password=True, HELM=str(wrapper), MARKS=str(tmp_path / "marks"), SLEEP=str(sleep),
               REAL_HELM=str(pinned_tool("helm")))


def _with_secret_mode(project: Path) -> None:
    path = project / "environments" / "dev.yaml"
    path.write_text(re.sub(r"(?m)^secret_mode:.*\n", "", path.read_text()) + "secret_mode: render\n")


def _wait(condition: object, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if callable(condition) and condition():
            return True
        time.sleep(0.01)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_while_helm_runs_leaves_nothing(bare_project: Path, tmp_path: Path, sig: signal.Signals) -> None:
    _with_secret_mode(bare_project)
    environ = _helm_env(tmp_path, 2)
    before = snapshot(bare_project)
    started = time.monotonic()
    proc = spawn(bare_project, ["build", "dev"], environ)
    assert _wait(lambda: any((tmp_path / "marks").iterdir()), 20), "helm never started"
    proc.send_signal(sig)
    ran = finish(proc, started, 20)
    assert ran.code == 128 + sig, ran.err
    assert ran.err == "error: interrupted; nothing was written\n"
    assert snapshot(bare_project) == before
    assert not [n for n in os.listdir(bare_project) if n.startswith(".")], "staging left in the project"
    assert os.listdir(tmp_path / "tmp") == [], "temporary files left in $TMPDIR"
    assert not password_on_disk(bare_project, tmp_path / "tmp", tmp_path / "home")


def test_helm_reads_the_password_from_stdin_only(bare_project: Path, tmp_path: Path) -> None:
    """While helm runs, no file holds the password: its values come through `--values -`."""
    _with_secret_mode(bare_project)
    environ = _helm_env(tmp_path, 1)
    started = time.monotonic()
    proc = spawn(bare_project, ["build", "dev"], environ)
    assert _wait(lambda: len(list((tmp_path / "marks").iterdir())) >= 2, 20), "helm lint and template never ran"
    on_disk = password_on_disk(bare_project, tmp_path / "tmp", tmp_path / "home")
    ran = finish(proc, started, 30)
    calls = [m.read_text() for m in (tmp_path / "marks").iterdir()]  # once written whole: after the build
    assert ran.code == 0, ran.err
    assert not on_disk, on_disk
    assert all(call.rstrip().endswith("--values -") for call in calls), calls
    bundle = bare_project / "build" / "dev" / "manifests.yaml"
    assert FORMS[1] in bundle.read_bytes() and bundle.stat().st_mode & 0o077 == 0  # the one place it may be
