"""render/write.py: chart/, argocd/ and build/<env>/ written all or nothing, one build at a time."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from generator import pipeline
from generator.core import atomic
from generator.core.errors import RenderError
from generator.render import write
from tests.support.cli import tree


def test_failed_chart_rename_writes_nothing(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli(bare_project, "build", "dev").code == 0
    (bare_project / "environments" / "dev.yaml").write_text(
        (bare_project / "environments" / "dev.yaml").read_text().replace("1Gi", "2Gi"))
    before = tree(bare_project)

    def fail(staged: Path, directory: Path) -> None:
        raise RenderError(f"cannot write {directory}: Read-only file system")

    monkeypatch.setattr(atomic, "replace", fail)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "Read-only file system" in ran.err
    assert tree(bare_project) == before
    assert [p.name for p in bare_project.iterdir() if p.name.startswith(".")] == [], "staging left behind"


@pytest.mark.parametrize("error", [
    OSError(28, "No space left on device"),
    RenderError("cannot write build/dev"),  # what atomic.replace raises, from its OSError
])
def test_failed_bundle_rename_restores_chart(
    bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    assert cli(bare_project, "build", "dev").code == 0
    (bare_project / "environments" / "dev.yaml").write_text(
        (bare_project / "environments" / "dev.yaml").read_text().replace("1Gi", "2Gi"))
    before = tree(bare_project)
    if isinstance(error, RenderError):
        error.__cause__ = OSError(28, "No space left on device")

    def fail(bundle: Path, target: Path) -> None:
        raise error

    monkeypatch.setattr(write, "_install_bundle", fail)
    ran = cli(bare_project, "build", "dev")
    assert (ran.code, ran.err) == (2, "error: cannot write build/dev/: No space left on device; "
                                      "nothing was written (chart/, argocd/ and build/ are as they were)\n")
    assert tree(bare_project) == before
    assert [p.name for p in bare_project.iterdir() if p.name.startswith(".")] == []


def test_concurrent_builds_lose_no_update(bare_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two builds at once (two terminals, two CI jobs) must both land in chart/.

    Each build copies chart/, adds its values file and swaps the copy in. The two are held
    right after taking their copy until both got there (or 3 s passed): without the lock both
    copies predate either swap, and the second swap drops the first build's file.
    """
    envs = bare_project / "environments"
    for env in ("dev", "prod"):
        text = (envs / f"{env}.yaml").read_text()
        (envs / f"{env}.yaml").write_text(re.sub(r"(?m)^storage_size: .*$", "storage_size: 5Gi", text))
    meet = threading.Barrier(2, timeout=3)
    original = atomic.staged_copy

    @contextlib.contextmanager
    def held(directory: Path) -> Iterator[Path]:
        with original(directory) as staged:
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()
            yield staged

    monkeypatch.setattr(atomic, "staged_copy", held)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(pipeline.build, bare_project, env, False, lambda _: None) for env in ("dev", "prod")]:
            done.result()
    for env in ("dev", "prod"):
        assert "size: 5Gi" in (bare_project / "chart" / f"values-{env}.yaml").read_text(), env
