"""core/passwords.py: where the password may come from, what makes it usable, how it is kept out of text."""

from __future__ import annotations

import base64
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


def test_a_text_holds_a_supplied_password_plainly_or_as_base64(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("TF_VAR_redis_password", "REDIS_PASSWORD", "REDIS_BACKEND_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    assert not passwords.held_in("anything at all")
    monkeypatch.setenv("REDIS_BACKEND_PASSWORD", "backend-secret-1")
    assert passwords.held_in("acl: backend-secret-1\n")
    assert passwords.held_in("data: " + base64.b64encode(b"backend-secret-1").decode())
    assert not passwords.held_in("backend-secret-")
    monkeypatch.setenv("REDIS_PASSWORD", "short")  # under the minimum: would match by chance
    assert not passwords.held_in("a short word")
