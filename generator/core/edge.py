"""What the command line does at its edge, for every command: SIGTERM and SIGHUP unwind like
Ctrl-C, a commit holds them back for its few renames, every error line reaches the terminal as
one safe line, and the process's age (where a command's --timeout starts counting)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

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


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """SIGINT/SIGTERM/SIGHUP held back while a few renames commit; delivered right after (an
    interrupted build then says what it wrote). SIGKILL cannot be held back.

    Held in Python, not with the thread's signal mask: the kernel hands a process's signal to
    any thread that does not block it (helm's pool threads, say), and Python then runs the
    handler in the main thread all the same. A thread other than the main one (where no
    handler runs) holds them with its mask."""
    if threading.current_thread() is not threading.main_thread():
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, UNWOUND)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return
    pending: list[int] = []
    previous: dict[int, Any] = {}
    try:
        for held in UNWOUND:
            previous[held] = signal.signal(held, lambda signum, _frame: pending.append(signum))
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending:
            _deliver(pending[0], previous.get(pending[0], signal.SIG_DFL))


def _deliver(signum: int, handler: Any) -> None:
    """A held signal, as its handler would have had it (an outer hold records it again)."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)  # the default action, now that nothing holds it


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
