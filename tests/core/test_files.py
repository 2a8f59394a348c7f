"""core/files.py: reading only regular files within a bound, trees confined to their root, and
output paths that are regular files or new names."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from generator.core import files


def test_a_regular_file_within_the_bound_is_read(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 100)
    assert files.read_regular_file(tmp_path / "f", 100) == b"x" * 100
    assert files.read_text(tmp_path / "f", 100) == "x" * 100


def test_a_file_over_the_bound_is_refused_before_reading(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 101)
    with pytest.raises(files.NotReadable, match="larger than 100 bytes"):
        files.read_regular_file(tmp_path / "f", 100)


def test_a_fifo_is_refused_at_once_without_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    result: list[BaseException | bytes] = []

    def read() -> None:
        try:
            result.append(files.read_regular_file(tmp_path / "fifo", 100))
        except BaseException as e:  # handed to the test thread
            result.append(e)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "read_regular_file blocked on a FIFO"
    assert isinstance(result[0], files.NotReadable) and "not a regular file (a FIFO)" in str(result[0])


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} missing")
    t0 = time.monotonic()
    with pytest.raises(files.NotReadable, match=r"not a regular file \(a character device\)"):
        files.read_regular_file(device, 1 << 20)
    assert time.monotonic() - t0 < 1


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(files.NotReadable, match=r"not a regular file \(a directory\)"):
        files.read_regular_file(tmp_path, 100)


def test_a_link_inside_the_tree_is_copied_by_content(tmp_path: Path) -> None:
    src = tmp_path / "chart"
    (src / "templates").mkdir(parents=True)
    (src / "templates" / "a.yaml").write_text("a")
    (src / "templates" / "b.yaml").symlink_to("a.yaml")
    files.copy_confined(src, tmp_path / "copy")
    b = tmp_path / "copy" / "templates" / "b.yaml"
    assert not b.is_symlink() and b.read_text() == "a"


@pytest.mark.parametrize("target", ["../outside.yaml", "/etc/hostname", "missing.yaml", "."])
def test_a_link_that_leaves_dangles_or_loops_is_refused(tmp_path: Path, target: str) -> None:
    (tmp_path / "outside.yaml").write_text("x")
    src = tmp_path / "chart"
    src.mkdir()
    (src / "link").symlink_to(target)
    with pytest.raises(files.NotReadable):
        list(files.confined_tree(src))
    with pytest.raises(files.NotReadable):
        files.copy_confined(src, tmp_path / "copy")
    assert not (tmp_path / "copy").exists() or list((tmp_path / "copy").iterdir()) == []


def test_output_paths_are_regular_files_or_new_names(tmp_path: Path) -> None:
    files.check_output(tmp_path / "new")
    (tmp_path / "file").write_text("x")
    files.check_output(tmp_path / "file")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    for name, what in (("fifo", "a FIFO"), ("link", "a symbolic link"), ("", "a directory")):
        with pytest.raises(files.NotReadable, match=f"found {what}"):
            files.check_output(tmp_path / name)
    with pytest.raises(files.NotReadable, match="its folder is not a directory"):
        files.check_output(tmp_path / "file" / "report.json")
