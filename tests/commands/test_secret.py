"""commands/secret.py: `secret put|check <env>`, one line each on stdout (secrets/store.py does the
work; tests/secrets/test_store.py proves it against moto)."""

from __future__ import annotations

from pathlib import Path

import pytest

PASSWORD = "Otp-redis-Pa55word"


def test_put_then_check_each_say_one_line(bare_project: Path, cli, aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    put = cli(bare_project, "secret", "put", "prod")
    assert (put.code, put.err) == (0, "")
    assert put.out.startswith("prod: created twofa/prod/redis-password in AWS Secrets Manager (eu-west-1)")
    assert put.out.count("\n") == 1
    check = cli(bare_project, "secret", "check", "prod")
    assert (check.code, check.err) == (0, "")
    assert check.out.startswith("prod: twofa/prod/redis-password in AWS Secrets Manager (eu-west-1) is present")
    assert check.out.count("\n") == 1
    assert PASSWORD not in put.out + check.out


def test_only_put_and_check(bare_project: Path, cli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli(bare_project, "secret", "rotate", "prod")
    assert exit_.value.code == 2
    assert "invalid choice: 'rotate'" in capsys.readouterr().err
