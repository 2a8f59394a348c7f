"""How the user ran the tool, so that help, usage and every "run `...`" hint name a command
that works as typed: `twofa-redis` on PATH, `.venv/bin/twofa-redis` (the console script by its
path), or `python -m generator`. cli.main sets it once per process from sys.argv[0]."""

from __future__ import annotations

import os
import shutil

SCRIPT = "twofa-redis"  # pyproject.toml [project.scripts]
MODULE = "python -m generator"

_prog = MODULE


def detect(argv0: str) -> str:
    """The program as the user typed it: the console script's name when PATH finds that very
    file, else its path as given; anything else (python -m generator, a test) is the module."""
    if os.path.basename(argv0) != SCRIPT:
        return MODULE
    found = shutil.which(SCRIPT)
    try:
        if found and os.path.samefile(found, argv0):
            return SCRIPT
    except OSError:
        pass
    return argv0


def set_prog(prog: str) -> None:
    global _prog
    _prog = prog


def prog() -> str:
    return _prog


def command(*words: str) -> str:
    """`<prog> words...`, in backquotes, for a hint in a message."""
    return "`" + " ".join([_prog, *words]) + "`"
