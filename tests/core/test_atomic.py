"""core/atomic.py: a reader sees the old content or the new, never half of it."""

from __future__ import annotations

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
