"""Running the CLI as a real process against hostile input, and what every such run must show.

The acceptance of issue 14 for each case: exit 2 (bad input) or 1 (a failed check or peer);
stderr exactly the `error: ...` lines (one, unless said otherwise), no traceback, no raw control
character; nothing written under the project; the password neither on the screen nor on disk;
done within the deadline (the process is killed a little after it, so a hang fails the test
instead of holding the suite).
"""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from generator.core.text import CONTROL
from tests.support.paths import CHECKOUT

PASSWORD = "s3cr3t-PASSWORD-xyz"
FORMS = (PASSWORD.encode(), base64.b64encode(PASSWORD.encode()))  # as written, and as a Secret's data
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w+(Error|Exception): ", re.M)
WATCHED = ("chart", "argocd", "build", "environments")


@dataclass
class Ran:
    code: int | None
    out: str
    err: str
    seconds: float
    timed_out: bool

    @property
    def errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error: ")]


def env(tmp: Path, password: bool = False, **extra: str) -> dict[str, str]:
    """A clean environment: private $TMPDIR and $HOME, no AWS or Docker login of the machine."""
    (tmp / "tmp").mkdir(exist_ok=True)
    (tmp / "home").mkdir(exist_ok=True)
    out = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp / "home"), "TMPDIR": str(tmp / "tmp"),
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "DOCKER_CONFIG": str(tmp / "home" / ".docker"),
           "AWS_CONFIG_FILE": str(tmp / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "none"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    if password:
        out["REDIS_PASSWORD"] = PASSWORD
    return {**out, **extra}


def spawn(root: Path | str, args: list[str], environ: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "generator", "--root", str(root), *args], env=environ,
                            cwd=CHECKOUT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def finish(proc: subprocess.Popen[bytes], started: float, deadline: float) -> Ran:
    timed_out = False
    try:
        out, err = proc.communicate(timeout=max(0.1, deadline + 3 - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    return Ran(proc.returncode, out.decode("utf-8", "backslashreplace"), err.decode("utf-8", "backslashreplace"),
               time.monotonic() - started, timed_out)


def run(root: Path | str, *args: str, environ: dict[str, str], deadline: float = 10.0) -> Ran:
    started = time.monotonic()
    return finish(spawn(root, list(args), environ), started, deadline)


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under the watched folders (links as links, files by content) and the root's
    own names: what a failed run must leave exactly as it was."""
    out: dict[str, object] = {"(root)": sorted(os.listdir(root))}
    for top in WATCHED:
        for dirpath, dirnames, filenames in os.walk(root / top):
            for name in dirnames + filenames:
                p = Path(dirpath) / name
                rel = str(p.relative_to(root))
                if p.is_symlink():
                    out[rel] = ("link", os.readlink(p))
                elif p.is_file():
                    out[rel] = p.read_bytes()
                else:
                    out[rel] = "special" if not p.is_dir() else "dir"
    return out


def password_on_disk(*bases: Path) -> list[str]:
    hits = []
    for base in bases:
        for dirpath, _, filenames in os.walk(base):
            for name in filenames:
                p = Path(dirpath) / name
                if p.is_file() and not p.is_symlink() and any(f in p.read_bytes() for f in FORMS):
                    hits.append(str(p))
    return hits


def assert_refused(ran: Ran, code: int, *mentions: str, lines: int = 1, allow: str | None = None) -> None:
    """The run ended in time with `code` and `lines` error lines naming `mentions`."""
    assert not ran.timed_out, f"did not end within its deadline ({ran.seconds:.1f} s)"
    assert ran.code == code, (ran.code, ran.err[-2000:])
    assert not _TRACEBACK.search(ran.err), ran.err[-2000:]
    others = [line for line in ran.err.splitlines()
              if not line.startswith("error: ") and not (allow and re.match(allow, line))]
    assert not others, others[:3]
    assert 1 <= len(ran.errors) <= lines, ran.errors[:5]
    for m in mentions:
        assert m in ran.err, (m, ran.err)
    assert not CONTROL.search(ran.err.replace("\n", "")), repr(ran.err)
    assert PASSWORD not in ran.out + ran.err
