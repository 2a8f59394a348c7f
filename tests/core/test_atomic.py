"""core/atomic.py: a reader sees the old content or the new, never half of it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from generator.core import atomic


def test_replace_without_renameat2_can_be_undone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    live, staged = tmp_path / "chart", tmp_path / "stage"
    live.mkdir()
    staged.mkdir()
    (live / "f").write_text("old")
    (staged / "f").write_text("new")
    atomic.replace(staged, live)
    assert ((live / "f").read_text(), (staged / "f").read_text()) == ("new", "old")
    atomic.replace(staged, live)
    assert ((live / "f").read_text(), (staged / "f").read_text()) == ("old", "new")


def test_a_file_is_replaced_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "values.yaml"
    target.write_text("old\n")
    atomic.write_text(target, "new\n")
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o644

    def full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full)
    with pytest.raises(OSError, match="No space left"):
        atomic.write_text(target, "newer\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["values.yaml"]  # no temporary file left


def test_a_private_file_is_private_from_its_first_byte(tmp_path: Path) -> None:
    path = tmp_path / "secret-values.yaml"
    atomic.write_private(path, "secret:\n  password: x\n")
    assert (path.stat().st_mode & 0o777) == 0o600
    with pytest.raises(FileExistsError):
        atomic.write_private(path, "again")


def test_a_staged_copy_is_removed_unless_swapped_in(tmp_path: Path) -> None:
    live = tmp_path / "chart"
    live.mkdir()
    (live / "Chart.yaml").write_text("v1\n")
    with atomic.staged_copy(live) as staged:
        atomic.write_files(staged, {"values-dev.yaml": "dev\n", "templates/x.yaml": "x\n"})
        assert (staged / "Chart.yaml").read_text() == "v1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart"]  # nothing left beside it
    with atomic.staged_copy(live) as staged:
        atomic.write_files(staged, {"values-dev.yaml": "dev\n"})
        atomic.replace(staged, live)
    assert (live / "values-dev.yaml").read_text() == "dev\n" and (live / "Chart.yaml").read_text() == "v1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart"]


STAGERS = {
    "scratch": lambda p: atomic.scratch("twofa-redis.", p),
    "staged_copy": lambda p: atomic.staged_copy(p / "chart"),
    "staged_file": lambda p: atomic.staged_file(p / "archive.tgz"),
    "staged_replacement": lambda p: atomic.staged_replacement(p / "argocd.yaml", "new\n"),
}


@pytest.mark.parametrize("name", [*STAGERS, "write_text"])
def test_a_signal_right_after_a_staged_name_is_made_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    name: str) -> None:
    """SIGTERM delivered the moment a temporary name exists (here: sent by mkdtemp/mkstemp
    itself, right after making it) unwinds with the name removed, not between its creation and
    the `try` that would remove it (a build stopped there left `.chart.*` behind)."""
    import os
    import signal
    import tempfile

    from generator.core import edge
    from generator.core.errors import Interrupted

    def signalled(real):  # type: ignore[no-untyped-def]
        def make(*args, **kwargs):  # type: ignore[no-untyped-def]
            made = real(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGTERM)
            return made
        return make

    monkeypatch.setattr(tempfile, "mkdtemp", signalled(tempfile.mkdtemp))
    monkeypatch.setattr(tempfile, "mkstemp", signalled(tempfile.mkstemp))
    (tmp_path / "chart").mkdir()
    (tmp_path / "argocd.yaml").write_text("old\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    with edge.unwinding(), pytest.raises(Interrupted):
        if name == "write_text":
            atomic.write_text(tmp_path / "argocd.yaml", "new\n")
        else:
            with STAGERS[name](tmp_path):
                pass
        raise AssertionError("the signal never arrived")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "argocd.yaml").read_text() == "old\n"


def test_a_replacement_done_leaves_nothing_staged_and_undo_restores_the_old_text(tmp_path: Path) -> None:
    """Once `do` ran, nothing staged is on disk (a SIGKILL right after the commit leaves no
    `.argocd.yaml.*.tmp` behind); the old text waits in memory for `undo`."""
    path = tmp_path / "argocd.yaml"
    path.write_text("old\n")
    os.chmod(path, 0o640)
    with atomic.staged_replacement(path, "new\n") as step:
        assert step is not None
        do, undo = step
        do()
        assert sorted(os.listdir(tmp_path)) == ["argocd.yaml"] and path.read_text() == "new\n"
        undo()
        assert path.read_text() == "old\n" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["argocd.yaml"]


def test_undo_puts_back_a_symbolic_link_even_a_dangling_one(tmp_path: Path) -> None:
    path = tmp_path / "argocd.yaml"
    path.symlink_to("elsewhere.yaml")  # dangling: there is nothing to read, only the link to keep
    with atomic.staged_replacement(path, "new\n") as step:
        assert step is not None
        do, undo = step
        do()
        assert not path.is_symlink() and path.read_text() == "new\n"
        undo()
        assert path.is_symlink() and os.readlink(path) == "elsewhere.yaml"
    assert sorted(os.listdir(tmp_path)) == ["argocd.yaml"]
