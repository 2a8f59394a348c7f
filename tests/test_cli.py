"""The command line explains itself; errors are one line each with a documented exit code."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from generator.cli import main, parser

SUBPARSERS = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
COMMANDS = sorted(SUBPARSERS)


def help_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_every_command_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(capsys)
    for command in COMMANDS:
        assert f"\n    {command} " in text, command
    assert "Each command's --help ends with its own exit codes" in text
    assert "TF_VAR_redis_password" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself(capsys: pytest.CaptureFixture[str], command: str) -> None:
    text = help_of(capsys, command)
    usage, _, rest = text.partition("\n\n")
    assert usage.startswith(f"usage: python -m generator {command}")
    description = rest.split("\n\n")[0]
    assert len(description.split()) >= 8, f"{command}: no description, only {description!r}"
    assert text.count("exit codes: 0 ") == 1 and text.rstrip().endswith(".")  # its own, last
    for action in SUBPARSERS[command]._actions:
        assert action.help and len(action.help.split()) >= 2, f"{command}: {action.dest} has no help"


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["explode"])
    assert exit_.value.code == 2
    assert "invalid choice: 'explode'" in capsys.readouterr().err


def test_jobs_must_be_at_least_one(bare_project: Path, cli, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli(bare_project, "check", "-j", "0")
    assert exit_.value.code == 2
    assert "expected a whole number of at least 1, got '0'" in capsys.readouterr().err
