"""The secrets guard of `check`: literal passwords in committed files, and the Secret render."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from generator.check import guard

PASSWORD = "s3cret-OTP-redis-pw"


def test_clean_project_passes_check(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.err
    assert "hold no password; our Secret renders the same twice" in ran.out


@pytest.mark.parametrize(("file", "text", "expected"), [
    ("environments/dev.yaml", "\nredis_password: hunter2hunter2\n",
     "error: environments/dev.yaml:{line}: redis_password: a literal password"),
    ("chart/values-dev.yaml", "\nsecret:\n  password: 'hunter2hunter2'\n",
     "error: chart/values-dev.yaml:{line}: secret.password: a literal password"),
    ("chart/templates/extra.yaml", "\nstringData:\n  password: hunter2hunter2\n",
     "error: chart/templates/extra.yaml:{line}: a literal password"),
    ("environments/_common.yaml", "\n# old: redis_password: hunter2hunter2\n",
     "error: environments/_common.yaml:{line}: a literal password"),
])
def test_a_literal_password_fails_check(bare_project: Path, cli, file: str, text: str, expected: str) -> None:
    path = bare_project / file
    before = path.read_text() if path.exists() else ""
    path.write_text(before + text)
    line = (before + text).splitlines().index(next(s for s in text.splitlines() if "password" in s)) + 1
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert expected.format(line=line) in ran.err
    assert "hunter2hunter2" not in ran.err + ran.out


def test_a_secret_manifest_with_data_fails(bare_project: Path) -> None:
    (bare_project / "chart" / "extra-secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  token: aGVsbG8=\n")
    found = guard.literal_passwords(bare_project)
    assert found == ["error: chart/extra-secret.yaml:6: data: a Secret with data in a committed file; "
                     "use secret_mode existing or external"]


def test_references_and_placeholders_are_not_passwords(bare_project: Path) -> None:
    (bare_project / "environments" / "notes.yaml").write_text(
        "existingSecretPasswordKey: redis-password\npassword: ''\nadmin_password: ${REDIS_PASSWORD}\n")
    assert guard.literal_passwords(bare_project) == []


@pytest.mark.parametrize("encode", [False, True], ids=["plain", "base64"])
def test_the_variables_value_anywhere_fails(bare_project: Path, monkeypatch: pytest.MonkeyPatch, encode: bool) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    leaked = base64.b64encode(PASSWORD.encode()).decode() if encode else PASSWORD
    (bare_project / "chart" / "NOTES-extra.txt").write_text(f"debug: {leaked}\n")
    found = guard.literal_passwords(bare_project)
    assert found == ["error: chart/NOTES-extra.txt: holds the value of the password variable; remove it and "
                     "rotate the password"]


def test_only_committed_files_count_in_a_git_checkout(bare_project: Path) -> None:
    git = ["git", "-C", str(bare_project)]
    subprocess.run([*git, "init", "-q"], check=True)
    (bare_project / ".gitignore").write_text("/chart/local-*.yaml\n")
    (bare_project / "chart" / "local-secret.yaml").write_text("password: hunter2hunter2\n")  # ignored
    assert guard.literal_passwords(bare_project) == []
    (bare_project / "environments" / "new.yaml").write_text("password: hunter2hunter2\n")  # would be committed
    assert guard.literal_passwords(bare_project) == [
        "error: environments/new.yaml:1: password: a literal password; read it at render time instead "
        "(secret_mode) and never commit it"]


def test_secret_render_is_stable_and_holds_the_given_password(bare_project: Path) -> None:
    assert guard.secret_stable(bare_project) == []


def test_a_secret_that_changes_between_renders_fails(bare_project: Path, cli) -> None:
    template = bare_project / "chart" / "templates" / "secret.yaml"
    template.write_text(template.read_text().replace(
        "{{ .Values.secret.password | b64enc | quote }}", "{{ randAlphaNum 16 | b64enc | quote }}"))
    assert guard.secret_stable(bare_project) == [
        "error: chart/templates/secret.yaml: the Secret's data differs between two renders of the same password; "
        "Argo CD would never be in sync"]
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "randAlphaNum: differs between renders" in ran.err


def test_guard_finds_functions_that_differ_between_renders(bare_project: Path) -> None:
    assert guard.unstable_functions(bare_project) == []
    template = bare_project / "chart" / "templates" / "secret.yaml"
    template.write_text(template.read_text() + '\n{{/* now is fine in a comment */}}\nx: {{ randAlphaNum 10 }}\n'
                        'y: {{ (lookup "v1" "Secret" "redis" "redis-secret").data }}\n')
    found = guard.unstable_functions(bare_project)
    assert len(found) == 2
    assert found[0].startswith("error: chart/templates/secret.yaml:") and "randAlphaNum: differs" in found[0]
    assert "lookup: differs" in found[1]
