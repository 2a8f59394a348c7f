"""How the user ran the tool, so that help, usage and every "run `...`" hint name a command
that works as typed: `twofa-redis` on PATH, `.venv/bin/twofa-redis` (the console script by its
path), or `python -m generator`. cli.main sets it once per process from sys.argv[0] (start()),
which also holds the cyclic garbage collector off until the command is imported (load())."""

from __future__ import annotations

import gc
import importlib
import os
import shutil
from types import ModuleType

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


def start(argv0: str) -> None:
    """A process of its own (console script, python -m generator), not a caller's: the program's
    name from argv0, and no cyclic collection during start-up. The process lives well under a
    second and importing its command builds nothing cyclic worth collecting: ~10% of start-up
    went to the collector."""
    gc.disable()
    set_prog(detect(argv0))


def load(module: str) -> ModuleType:
    """Import a command's module; then the collector back on (after start()), skipping (frozen)
    what start-up allocated."""
    try:
        return importlib.import_module(module)
    finally:
        if not gc.isenabled():
            gc.freeze()
            gc.enable()
