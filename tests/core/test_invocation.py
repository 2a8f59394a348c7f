"""core/invocation.py: hints name the program the way the user ran it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.core import invocation


@pytest.fixture
def restored() -> Iterator[None]:
    before = invocation.prog()
    yield
    invocation.set_prog(before)


def _script(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / invocation.SCRIPT
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    return script


def test_anything_but_the_console_script_is_the_module() -> None:
    assert invocation.detect("/usr/lib/python3/generator/__main__.py") == invocation.MODULE
    assert invocation.detect("pytest") == invocation.MODULE


def test_the_script_found_on_path_is_named_bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _script(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    assert invocation.detect(str(script)) == invocation.SCRIPT


def test_a_script_not_on_path_is_named_by_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path, elsewhere = _script(tmp_path / "bin"), _script(tmp_path / "venv" / "bin")
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert invocation.detect(str(elsewhere)) == str(elsewhere)  # another file of that name is on PATH
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert invocation.detect(".venv/bin/twofa-redis") == ".venv/bin/twofa-redis"


def test_command_quotes_a_hint_with_the_program(restored: None) -> None:
    invocation.set_prog(".venv/bin/twofa-redis")
    assert invocation.command("build", "dev") == "`.venv/bin/twofa-redis build dev`"
    invocation.set_prog(invocation.MODULE)
    assert invocation.command("check") == "`python -m generator check`"


def test_start_holds_the_collector_off_until_the_command_is_loaded(restored: None) -> None:
    import gc

    try:
        invocation.start("/usr/bin/python3 -m generator")
        assert not gc.isenabled() and invocation.prog() == invocation.MODULE
        with pytest.raises(ModuleNotFoundError):
            invocation.load("generator.commands.no_such_command")
        assert gc.isenabled()  # also when the import failed
        gc.disable()
        assert invocation.load("generator.commands.build").__name__ == "generator.commands.build"
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
