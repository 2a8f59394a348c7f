"""core/errors.py: one error per stage, each located as precisely as possible, turned into `error:`
lines and an exit status (2 bad input, 1 a failed check or peer) at the CLI edge."""

from __future__ import annotations

import pytest

from generator.cli import main
from generator.core import errors
from generator.core.errors import GeneratorError, Problem


def test_a_problem_names_file_line_and_setting() -> None:
    assert str(Problem("environments/dev.yaml", "storage_size", "'1 GB' is not a quantity", 3)) == (
        "environments/dev.yaml:3: storage_size: '1 GB' is not a quantity")
    assert str(Problem("environments/dev.yaml", "", "file is too large")) == "environments/dev.yaml: file is too large"


def test_an_error_is_one_line_per_problem() -> None:
    problems = [Problem("a.yaml", "x", "wrong", 1), Problem("b.yaml", "", "unreadable")]
    error = errors.ValidationError(problems=problems)
    assert error.lines() == ["error: a.yaml:1: x: wrong", "error: b.yaml: unreadable"]
    assert str(error) == "a.yaml:1: x: wrong; b.yaml: unreadable"
    assert errors.RenderError("cannot write chart/").lines() == ["error: cannot write chart/"]


@pytest.mark.parametrize(("error", "code"), [
    (errors.UsageError, 2), (errors.LoadError, 2), (errors.ValidationError, 2), (errors.ResolveError, 2),
    (errors.SecretError, 2), (errors.RenderError, 2),
    (errors.ToolError, 1), (errors.CheckError, 1), (errors.SmokeError, 1), (errors.SecretStoreError, 1),
    (errors.RegistryError, 1),
])
def test_bad_input_exits_2_a_failed_check_or_peer_1(error: type[GeneratorError], code: int) -> None:
    assert issubclass(error, GeneratorError) and error.exit_code == code


def test_the_cli_prints_the_lines_and_returns_the_code(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    def fail(args: object) -> int:
        raise errors.CheckError(problems=[Problem("chart/values-dev.yaml", "", "stale")])

    monkeypatch.setattr("generator.commands.outputs.run", fail)
    assert main(["outputs", "dev"]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "error: chart/values-dev.yaml: stale\n")
