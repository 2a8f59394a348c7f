"""Every command of README.md's `sh` blocks works exactly as written.

Each command is classified below: run (from the root of a copy of the tests' own project, never
the checkout, expecting exit 0 unless its comment says `(exit N)`), `local` (run until ready,
`smoke` pointed at it as it says, then Ctrl-C), or skipped with the reason (AWS, a cluster,
kubectl, a registry). A command the table does not know fails the test: classify it here.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from tests.support import fixture_project
from tests.support.paths import CHECKOUT as ROOT

README = ROOT / "README.md"
TIMEOUT_S = 300.0
CLI = r"\.venv/bin/twofa-redis"


@dataclass(frozen=True)
class Command:
    line: int  # in README.md
    text: str
    comment: str

    @property
    def expected_exit(self) -> int:
        found = re.search(r"\(exit (\d+)\)", self.comment)
        return int(found.group(1)) if found else 0


RUN, LOCAL = "run", "local"
# (pattern the whole command matches, what to do or why it is skipped), tried in order.
RULES: list[tuple[str, str]] = [
    (r"scripts/setup && " + CLI + r" build dev", RUN),
    (r"scripts/test", "runs this whole suite, then `check` (it is what CI runs; this test is part of it)"),
    (CLI + r" build --all", RUN),
    (CLI + r" check", RUN),
    (CLI + r" outputs prod", RUN),
    (CLI + r" plan", RUN),
    (CLI + r" plan prod --base origin/main", RUN),
    (CLI + r' check --base "\$\(git merge-base origin/main HEAD\)" --format sarif -o check\.sarif', RUN),
    (CLI + r" images dev", RUN),
    (CLI + r" local dev", LOCAL),
    (r"kubectl -n redis port-forward svc/redis-master 6379 &", "needs a cluster (kubectl)"),
    (CLI + r" smoke dev --host 127\.0\.0\.1 --port 6379",
     "needs the deployed Redis behind the port-forward above (smoke runs against `local` here instead)"),
    (CLI + r" smoke prod --password-from-secret", "reads the Secrets from a cluster with kubectl"),
    (CLI + r" inspect dev --host 127\.0\.0\.1 --port 6379 --json",
     "needs the deployed Redis behind the port-forward above (tests/commands/test_inspect.py runs it on a real one)"),
    (CLI + r" inspect prod --password-from-secret --max-keys 500000 --deadline 10",
     "reads the Secret from a cluster with kubectl"),
    (CLI + r" secret (put|check) staging", "needs AWS Secrets Manager (tests/test_secretstore.py runs it on moto)"),
    (CLI + r" images dev --verify", "asks ECR (AWS) for every image (tests/e2e/test_mirror.py: a local registry)"),
    (CLI + r" mirror dev( --dry-run| --pin)?", "needs ECR and the source registry (tests/e2e/test_mirror.py)"),
    (CLI + r" build dev --verify-images", "asks ECR (AWS) for every image (tests/e2e/test_mirror.py)"),
]


def _split_comment(line: str) -> tuple[str, str]:
    """The command and its trailing `# comment` (a # outside quotes, after a space)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].strip(), line[i + 1:].strip()
    return line.strip(), ""


def commands(text: str | None = None) -> list[Command]:
    """Every command of every ```sh block, continuation lines joined."""
    text = README.read_text(encoding="utf-8") if text is None else text
    found: list[Command] = []
    inside, pending, start = False, "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("```"):
            inside = raw.strip() in ("```sh", "```bash") if not inside else False
            continue
        if not inside:
            continue
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        command, comment = _split_comment(pending + raw)
        pending = ""
        if command:
            found.append(Command(start, command, comment))
    return found


def classify(command: Command) -> str | None:
    return next((verdict for pattern, verdict in RULES if re.fullmatch(pattern, command.text)), None)


def test_every_readme_command_is_classified() -> None:
    found = commands()
    assert len(found) >= 15, found
    unknown = [f"README.md:{c.line}: {c.text}" for c in found if classify(c) is None]
    assert not unknown, ("new README commands: classify them in tests/e2e/test_readme.py (run, local or skipped, "
                         f"why): {unknown}")
    unused = [p for p, _ in RULES if not any(re.fullmatch(p, c.text) for c in found)]
    assert not unused, f"rules for commands the README no longer has: {unused}"


def test_the_parser_reads_comments_and_continuations() -> None:
    text = "x\n```sh\na --b 'c # d'   # e (exit 2)\nf \\\n  g\n# only a comment\n```\n```yaml\nh: 1\n```\n"
    assert commands(text) == [Command(3, "a --b 'c # d'", "e (exit 2)"), Command(4, "f    g", "")]
    assert commands(text)[0].expected_exit == 2


@pytest.mark.parametrize("command", [c for c in commands() if classify(c) not in (RUN, LOCAL, None)],
                         ids=lambda c: c.text)
def test_skipped_readme_command(command: Command) -> None:
    pytest.skip(f"README.md:{command.line}: {classify(command)}")


def _project(dest: Path) -> Path:
    """The tests' project as a fresh clone would hold it after scripts/setup: the checkout's
    .venv, .tools and scripts linked in, in a git repository (plan compares with HEAD)."""
    root = fixture_project.copy(dest, subchart=False)
    for name in (".venv", ".tools", "scripts"):
        (root / name).symlink_to(ROOT / name)
    for name in ("pyproject.toml", "tools.lock"):
        shutil.copy2(ROOT / name, root / name)
    git = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    # origin/main: the target branch a pull request's CI compares with (plan --base, check --base).
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"]):
        subprocess.run(["git", *args], cwd=root, env=git, check=True, capture_output=True, timeout=60)
    return root


def _env() -> dict[str, str]:
    # No password of the caller's reaches the commands (the README's own say where one is needed).
    drop = ("REDIS_PASSWORD", "TF_VAR_redis_password", "REDIS_BACKEND_PASSWORD")
    return {k: v for k, v in os.environ.items() if k not in drop}


def _pump(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))
    into.put(None)


def _run_local(root: Path, command: Command) -> list[str]:
    """Start it as a terminal would, run the smoke command it prints, then Ctrl-C it."""
    def session() -> None:
        os.setsid()  # its own process group: SIGINT to the group is what Ctrl-C sends
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    process = subprocess.Popen(["bash", "-c", command.text], cwd=root, env=_env(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=session)
    lines: queue.Queue[str | None] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        while not any(line.endswith("Ctrl-C stops it") for line in seen):
            line = lines.get(timeout=60)
            assert line is not None, f"README.md:{command.line}: {command.text} ended early: {seen}"
            seen.append(line)
        smoke = next(line.split("smoke it: ", 1)[1] for line in seen if "smoke it: " in line)
        assert re.fullmatch(r"REDIS_PASSWORD=\S+ \.venv/bin/twofa-redis smoke dev --host 127\.0\.0\.1 --port \d+",
                            smoke), smoke
        done = subprocess.run(["bash", "-c", smoke], cwd=root, env=_env(), capture_output=True, text=True,
                              timeout=TIMEOUT_S, check=False)
        assert done.returncode == 0, f"{smoke} (printed by `local`): {done.stdout}{done.stderr}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    assert process.returncode == command.expected_exit, (command, process.stderr and process.stderr.read())
    return seen


def _operator_files() -> dict[str, bytes]:
    return {str(p): p.read_bytes() for d in ("environments", "chart", "argocd") for p in sorted((ROOT / d).rglob("*"))
            if p.is_file() and "charts" not in p.parts}


def test_readme_commands_run_as_written(tmp_path: Path) -> None:
    before = _operator_files()
    root = _project(tmp_path / "clone")
    ran = []
    for command in commands():
        verdict = classify(command)
        if verdict == LOCAL:
            _run_local(root, command)
        elif verdict == RUN:
            done = subprocess.run(["bash", "-c", command.text], cwd=root, env=_env(), capture_output=True, text=True,
                                  timeout=TIMEOUT_S, check=False)
            assert done.returncode == command.expected_exit, \
                f"README.md:{command.line}: {command.text}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        else:
            continue
        ran.append(command.text)
    assert len(ran) >= 7, ran
    assert _operator_files() == before  # run in the copy: the checkout's own files untouched
