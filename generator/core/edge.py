"""What the command line does at its edge, for every command: SIGTERM and SIGHUP unwind like
Ctrl-C, every error line reaches the terminal as one safe line, and the process's age (where a
command's --timeout starts counting)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator

from generator.core import passwords
from generator.core.errors import Interrupted
from generator.core.text import one_line

UNWOUND = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _raise(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def unwinding() -> Iterator[None]:
    """SIGTERM and SIGHUP (a CI job cancelled, a terminal closed) unwind like Ctrl-C: every
    staged directory and temporary file is removed on the way out. Python's default for them is
    to die on the spot, leaving staging behind."""
    previous = {s: signal.signal(s, _raise) for s in UNWOUND}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def say(line: str) -> None:
    """One error line as it reaches the terminal: on one line, control characters escaped, and
    the password scrubbed (a peer's answer or a tool's stderr may carry it)."""
    for password in passwords.supplied():
        line = passwords.scrub(line, password)
    print(one_line(line), file=sys.stderr)


def process_age() -> float:
    """Seconds since this process started (Linux /proc; 0 elsewhere): a command's --timeout
    counts from there, interpreter start-up and imports included."""
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # starttime: field 22, counted after the "(comm)" field
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def interrupted(e: KeyboardInterrupt, written: list[str]) -> int:
    """Say what an interrupted command had written (nothing, or what its commit put in place)."""
    signum = e.signum if isinstance(e, Interrupted) else signal.SIGINT
    say("error: interrupted; " + (f"{', '.join(written)} had been written" if written else "nothing was written"))
    return 128 + int(signum)
