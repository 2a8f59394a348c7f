"""render/readme.py: the generated sections of README.md between their markers; the capacity
table written by `docs --readme` from the environments and reported stale by `check`."""

from __future__ import annotations

from pathlib import Path

from generator import pipeline
from generator.render import memory, readme


def test_current_and_replaced_work_between_the_markers() -> None:
    text = "a\n<!-- x:start -->\nold\n<!-- x:end -->\nb\n"
    assert readme.current(text, "x") == "old\n"
    assert readme.replaced(text, "x", "new\n") == "a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb\n"
    assert readme.current("no markers", "x") is None and readme.replaced("no markers", "x", "y") is None


def test_no_readme_or_no_markers_is_never_stale(tmp_path: Path) -> None:
    assert readme.stale_capacity(tmp_path, []) == []
    (tmp_path / "README.md").write_text("# no capacity table here\n")
    assert readme.stale_capacity(tmp_path, []) == []


def _readme(root: Path, table: str) -> Path:
    path = root / "README.md"
    path.write_text(f"# project\n\n<!-- settings:start -->\n<!-- settings:end -->\n\n"
                    f"<!-- capacity:start -->\n{table}<!-- capacity:end -->\n")
    return path


def test_docs_writes_the_capacity_table_and_check_warns_it_is_stale(bare_project: Path, cli) -> None:
    path = _readme(bare_project, "| stale |\n")
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.err  # documentation only: a new environment must not fail CI
    assert next(line for line in ran.out.splitlines() if line.startswith("chart/: ")).endswith(
        "generated files up to date")
    assert ("warning: README.md: the capacity table (<!-- capacity:start -->) is stale for the environments: run "
            "`python -m generator docs --readme` and commit README.md") in ran.err.splitlines()
    ran = cli(bare_project, "docs", "--readme")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == ["README.md: settings table updated", "README.md: capacity table updated"]
    settings = [p.settings for p in pipeline.prepare_all(bare_project, resolve_ecr=False)]
    assert readme.current(path.read_text(), readme.CAPACITY) == memory.capacity_table(settings)
    assert readme.stale_capacity(bare_project, settings) == []
    assert cli(bare_project, "docs", "--readme").out.splitlines()[1] == "README.md: capacity table already up to date"


def test_a_readme_that_is_not_a_regular_file_is_a_warning_not_a_hang(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "README.md")  # no writer: a plain open would wait forever
    assert readme.stale_capacity(tmp_path, []) == ["warning: README.md: cannot read: not a regular file (a FIFO)"]
