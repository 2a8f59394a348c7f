"""One program, named as it was invoked: the console script `twofa-redis` (by path or on PATH)
and `python -m generator`; each command's --help states its own exit codes; counts read "1 object"."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import EXIT, parser
from generator.core.wording import plural
from tests.support.paths import CHECKOUT as ROOT

SCRIPT = ROOT / ".venv" / "bin" / "twofa-redis"


def _run(args: list[str], cwd: Path = ROOT, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path or os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_the_console_script_is_installed_by_setup() -> None:
    assert SCRIPT.is_file() and os.access(SCRIPT, os.X_OK), "scripts/setup installs .venv/bin/twofa-redis"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '[project.scripts]\n' in pyproject and 'twofa-redis = "generator.cli:main"' in pyproject


@pytest.mark.parametrize(("how", "prog"), [
    ("path", ".venv/bin/twofa-redis"),  # as the README writes it, from the project root
    ("on-path", "twofa-redis"),
    ("module", "python -m generator"),
])
def test_usage_names_the_program_as_invoked(how: str, prog: str) -> None:
    if how == "path":
        done = _run([".venv/bin/twofa-redis", "build", "--help"])
    elif how == "on-path":
        done = _run(["twofa-redis", "build", "--help"], path=f"{SCRIPT.parent}:/usr/bin:/bin")
    else:
        done = _run([sys.executable, "-m", "generator", "build", "--help"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {prog} build "), done.stdout[:80]


def test_hints_name_the_program_as_invoked(bare_project: Path) -> None:
    with open(bare_project / "environments" / "prod.yaml", "a", encoding="utf-8") as f:
        f.write("monitoring_namespace: observability\n")
    done = _run([".venv/bin/twofa-redis", "--root", str(bare_project), "check"])
    assert done.returncode == 1
    assert "error: chart/values-prod.yaml: stale; run `.venv/bin/twofa-redis build prod`:" in done.stderr


def test_each_command_states_its_own_exit_codes() -> None:
    subparsers = next(a for a in parser()._actions if hasattr(a, "choices") and isinstance(a.choices, dict))
    assert set(EXIT) == set(subparsers.choices)
    assert len(set(EXIT.values())) == len(EXIT), "two commands share one exit-code text"
    for name, sub in subparsers.choices.items():
        text = sub.format_help()
        assert f"exit codes: {EXIT[name][:30]}" in " ".join(text.split()), name
        assert text.count("exit codes:") == 1, name


def test_plural() -> None:
    assert [plural(n, "object") for n in (0, 1, 2)] == ["0 objects", "1 object", "2 objects"]
    assert plural(1, "Application") == "1 Application"


# Counted words the output uses; none may follow a 1 in the plural.
ONE_PLURAL = re.compile(r"\b1 (objects|images|environments|errors|warnings|files|rules|steps|digests|platforms|"
                        r"Applications|problems|commands|passwords|others)\b")


def test_no_1_objects_anywhere_in_build_and_check(bare_project: Path, cli) -> None:
    for env in ("prod", "staging"):  # one environment left with an Application, one image, one error
        (bare_project / "environments" / f"{env}.yaml").unlink()
        (bare_project / "chart" / f"values-{env}.yaml").unlink()
        (bare_project / "argocd" / f"{env}.yaml").unlink()
    outputs = []
    for args in (("build", "dev"), ("build", "--all"), ("check",)):
        ran = cli(bare_project, *args)
        assert ran.code == 0, ran.err
        outputs.append(ran.out + ran.err)
    text = "\n".join(outputs)
    assert "1 object valid" in text and "pulls 1 image:" in text and "built 1 environment: dev" in text
    assert "argocd/: 1 Application validated" in text and "chart/: 1 environment," in text
    assert not ONE_PLURAL.search(text), ONE_PLURAL.search(text)
