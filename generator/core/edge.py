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
from collections.abc import Callable, Iterator
from typing import Any

from generator.core import passwords
from generator.core.errors import Interrupted
from generator.core.text import one_line

UNWOUND = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


# Holds in force in the main thread, and what arrived meanwhile. A counter and not a swap of
# handlers: swapping takes several bytecodes, and a signal landing between two of them (on the
# way into the hold that guards a cleanup, say) would unwind past the cleanup it was to protect.
_held = 0
_pending: list[int] = []


def _raise(signum: int, _frame: object) -> None:
    if _held:
        _pending.append(signum)
        return
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
    global _held
    if threading.current_thread() is not threading.main_thread():
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, UNWOUND)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return
    if all(signal.getsignal(s) is _raise for s in UNWOUND):  # within unwinding(): the command line's way
        _held += 1  # one step: a signal before it unwinds before the hold, after it is held
        try:
            yield
        finally:
            _held -= 1
            if not _held and _pending:
                signum = _pending[0]
                _pending.clear()
                raise Interrupted(signum)
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


def held(cleanup: Callable[[], None]) -> None:
    """Run an idempotent cleanup with signals held back. A signal can still land on the way
    into the hold (entering a function is where Python runs handlers): the cleanup then runs
    once more, unheld, before the signal unwinds on. It also runs again when the held signal
    is delivered at the end, which an idempotent cleanup does not mind."""
    try:
        with signals_blocked():
            cleanup()
    except KeyboardInterrupt:  # Interrupted included
        cleanup()
        raise


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
