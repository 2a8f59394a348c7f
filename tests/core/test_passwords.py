"""core/passwords.py: where the password may come from, what makes it usable, how it is kept out of text."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core import passwords
from generator.core.errors import SecretError
from tests.support.cli import tree
from tests.support.project import set_settings

PASSWORD = "Otp-redis-Pa55word"


@pytest.mark.parametrize("password", ["line\nbreak-password", "carriage\rreturn-password"])
def test_multi_line_password_is_refused_without_echo(
    bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    monkeypatch.setenv("TF_VAR_redis_password", password)
    set_settings(bare_project, "dev", secret_mode="render")
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert (ran.code, ran.err) == (2, "error: $TF_VAR_redis_password contains a line break or NUL; "
                                      "use a single-line password\n")
    assert tree(bare_project) == before


def test_prompt_refuses_two_different_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_PASSWORD", raising=False)
    monkeypatch.delenv("TF_VAR_redis_password", raising=False)
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(SecretError, match="the two passwords differ; nothing was stored"):
        passwords.ask(prompt=True)
