"""core/edge.py: what the command line does for every command at its edge."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from generator.core import edge
from generator.core.errors import Interrupted

PASSWORD = "s3cr3t-PASSWORD-xyz"


def test_say_prints_one_scrubbed_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    edge.say(f"error: peer: -ERR invalid password '{PASSWORD}'\nerror: fake\x1b[2J")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and PASSWORD not in err and "\x1b" not in err
    assert err.startswith("error: peer: -ERR invalid password '") and "\\x1b[2J" in err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_unwind_like_ctrl_c(sig: signal.Signals) -> None:
    before = signal.getsignal(sig)
    with pytest.raises(Interrupted) as caught, edge.unwinding():
        os.kill(os.getpid(), sig)
        time.sleep(5)  # the handler raises before this ends
    assert caught.value.signum == sig
    assert signal.getsignal(sig) is before  # restored on the way out


def test_interrupted_says_what_was_written(capsys: pytest.CaptureFixture[str]) -> None:
    assert edge.interrupted(Interrupted(signal.SIGTERM), []) == 128 + signal.SIGTERM
    assert edge.interrupted(KeyboardInterrupt(), ["chart/", "argocd/dev.yaml"]) == 130
    assert capsys.readouterr().err.splitlines() == [
        "error: interrupted; nothing was written", "error: interrupted; chart/, argocd/dev.yaml had been written"]


def test_process_age_counts_from_the_interpreters_start() -> None:
    code = "import time; time.sleep(0.5); from generator.core import edge; print(edge.process_age())"
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    wall = time.monotonic() - t0
    age = float(done.stdout)
    assert 0.5 <= age <= wall + 0.05, (age, wall)


def test_signals_are_held_back_even_with_other_threads_running() -> None:
    """The kernel hands a process's signal to any thread that does not block it, and Python
    runs the handler in the main thread anyway: a hold by the main thread's mask alone would let
    SIGTERM through while a helm pool thread is alive."""
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)  # its mask lets every signal in
    other.start()
    reached = []
    try:
        with pytest.raises(Interrupted) as caught, edge.unwinding():
            with edge.signals_blocked():
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(20):
                    time.sleep(0.01)  # bytecodes run: an unheld handler would raise here
                reached.append("the end of the held block")
            reached.append("past the block")
    finally:
        stop.set()
    assert reached == ["the end of the held block"] and caught.value.signum == signal.SIGTERM


def test_a_signal_held_by_a_nested_hold_reaches_the_outer_one_first() -> None:
    reached = []
    with pytest.raises(Interrupted), edge.unwinding(), edge.signals_blocked():
        with edge.signals_blocked():
            os.kill(os.getpid(), signal.SIGHUP)
        reached.append("between the holds")
    assert reached == ["between the holds"]


def test_a_cleanup_runs_even_when_the_signal_lands_on_the_way_into_its_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    import contextlib

    @contextlib.contextmanager
    def interrupted_on_entry():  # the signal's handler ran while entering the hold
        raise Interrupted(signal.SIGTERM)
        yield

    monkeypatch.setattr(edge, "signals_blocked", interrupted_on_entry)
    ran = []
    with pytest.raises(Interrupted):
        edge.held(lambda: ran.append("cleanup"))
    assert ran == ["cleanup"]


def test_a_signal_during_a_held_cleanup_is_delivered_after_it() -> None:
    ran = []

    def cleanup() -> None:
        if not ran:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # bytecodes run: an unheld handler would raise here
        ran.append("cleanup")

    with pytest.raises(Interrupted) as caught, edge.unwinding():
        edge.held(cleanup)
    assert caught.value.signum == signal.SIGTERM and ran[0] == "cleanup"
