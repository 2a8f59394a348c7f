"""Settings cases kept as files: tests/data/{valid,invalid}/<name>.yaml (+ <name>.expected).

A case file is the text of an environment file, written to environments/dev.yaml of a private
project copy unless its header says otherwise. Header lines at the top, all optional:

    # setting: storage_size          the schema setting the case exercises
    # file: environments/staging.yaml  where to write the case instead
    # args: build nope                the command line instead of `build dev`
    # setenv: REDIS_PASSWORD=s3cr3t   an environment variable set for the run

`<name>.expected` holds the exact stderr of an invalid case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import DATA

HEADER_KEYS = ("setting", "file", "args", "setenv")


@dataclass(frozen=True)
class Case:
    path: Path
    text: bytes
    setting: str | None
    file: str
    args: tuple[str, ...]
    setenv: tuple[str, str] | None

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def expected(self) -> str:
        return self.path.with_suffix(".expected").read_text(encoding="utf-8")


def load(kind: str) -> list[Case]:
    cases = []
    for path in sorted((DATA / kind).glob("*.yaml")):
        raw = path.read_bytes()
        header: dict[str, str] = {}
        # latin-1 never fails: the non-UTF-8 case still has an ASCII header.
        for line in raw.decode("latin-1").splitlines():
            key, sep, value = line.removeprefix("# ").partition(": ")
            if not line.startswith("# ") or not sep or key not in HEADER_KEYS:
                break
            header[key] = value.strip()
        setenv = None
        if "setenv" in header:
            variable, _, value = header["setenv"].partition("=")
            setenv = (variable, value)
        cases.append(Case(
            path=path,
            text=raw,
            setting=header.get("setting"),
            file=header.get("file", "environments/dev.yaml"),
            args=tuple(header.get("args", "build dev").split()),
            setenv=setenv,
        ))
    return cases
