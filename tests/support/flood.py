"""The OTP flood: distinct usernames written at full speed into a real redis-server started from
the rendered configuration, until more than three times what maxmemory holds has been written,
with a BGSAVE forced half way, and what the promises need measured on the way:

  * every write's reply (+OK, or -OOM under noeviction), and whether the server stayed up;
  * used_memory (INFO every ~20 ms) against maxmemory;
  * the memory the container's cgroup would charge (server RSS + the forked child's private
    pages, /proc/<pid>/smaps_rollup every ~3 ms) against the container limit;
  * the snapshot (rdb_last_bgsave_status, rdb_saves, Redis' "Fork CoW" log line);
  * a real user's code, written through generator/runtime/keyschema.py just before the flood
    ends, read back right after it; with noeviction, how long until codes are accepted again.

Loopback only; every loop is bounded by `deadline`. tests/e2e/test_memory_load.py asserts the
promises, bench/otp_throughput.py prints the figures.
"""

from __future__ import annotations

import multiprocessing as mp
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.settings import Settings
from generator.render import memory
from generator.runtime import keyschema
from tests.support import memstore

REAL_USER = "real.user.alice"
REAL_CODE = keyschema.OtpRecord("424242", "+15550104242")
# Writes beyond 3x the formula's capacity: the store holds up to 4.5 % more than the formula says.
TARGET_FACTOR = 3.3
# Redis evicts (or refuses) before each command until used_memory <= maxmemory; the command then
# lands on top (a record, a reply), and under noeviction the flooders' pipelined query buffers
# count too: measured up to 58 KiB over maxmemory.
USED_TOLERANCE = 256 * 1024


@dataclass
class Result:
    policy: str
    limit: int
    maxmemory: int
    capacity: int  # the formula's (generator/render/memory.py)
    target: int
    attempted: int = 0
    accepted: int = 0
    oom: int = 0
    other_errors: int = 0
    seconds: float = 0.0
    evicted: int = 0
    keys_max: int = 0  # the most keys seen at once: what the store really held
    used_max: int = 0
    peak_charged: int = 0  # server RSS + child's private pages, worst sample
    peak_parent_rss: int = 0
    peak_child_private: int = 0
    samples_during_fork: int = 0
    bgsave_forced_at: int = 0
    bgsave_ok: bool = False
    bgsave_seconds: float = 0.0
    fork_cow: str = ""
    real_written: bool = False
    real_refused: int = 0  # OOM refusals of the real user's code before it was accepted
    real_readable: bool = False
    writes_after_real: int = 0
    recovered_after_s: float | None = None  # noeviction: flood end -> a new code accepted again
    keys_after_recovery: int = 0
    server_up: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def records_per_s(self) -> float:
        return self.attempted / self.seconds if self.seconds else 0.0

    @property
    def evictions_per_s(self) -> float:
        return self.evicted / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        mib = 1 << 20
        return (f"{self.policy}, limit {self.limit / mib:.0f} MiB, maxmemory {self.maxmemory / mib:.0f} MiB: "
                f"{self.attempted} writes ({self.attempted / self.capacity:.1f}x capacity {self.capacity}; held at "
                f"most {self.keys_max}) in {self.seconds:.1f} s = {self.records_per_s:.0f}/s; accepted "
                f"{self.accepted}, OOM {self.oom}; evicted {self.evicted} ({self.evictions_per_s:.0f}/s); "
                f"used_memory max {self.used_max / mib:.2f} MiB; peak RSS + child {self.peak_charged / mib:.1f} MiB "
                f"= {self.peak_charged / self.limit:.2f} x limit (child private {self.peak_child_private / mib:.1f} "
                f"MiB, {self.samples_during_fork} samples in the fork); BGSAVE ok={self.bgsave_ok} in "
                f"{self.bgsave_seconds:.1f} s ({self.fork_cow}); real code readable={self.real_readable} "
                f"({self.writes_after_real} writes after it, {self.real_refused} refusals); recovered after "
                f"{self.recovered_after_s and round(self.recovered_after_s, 2)} s; notes {self.notes}")


def _flooder(port: int, wid: int, quota: int, ttl: int, go: Any, stop: Any, counter: Any, out: Any) -> None:
    """One connection writing `quota` distinct records, 1000 per round trip, counting replies."""
    s = memstore.connect(port)
    done = accepted = oom = other = 0
    go.wait(30)
    while done < quota and not stop.is_set():
        n = min(1000, quota - done)
        s.sendall(b"".join(memstore.set_command(b"sms_otp:fl%02d%012d" % (wid, i),
                                                (memstore.VALUE % (i % 10**6, i % 10**7)).encode(), ttl)
                           for i in range(done, done + n)))
        got = memstore.replies(s, n)
        errors = got.count(b"\r\n-") + got.startswith(b"-")
        refused = got.count(b"-OOM")
        oom, other, accepted, done = oom + refused, other + errors - refused, accepted + n - errors, done + n
        with counter.get_lock():
            counter.value += n
    s.close()
    out.put((done, accepted, oom, other))


def run(settings: Settings, workdir: Path | None = None, flood_ttl: int = 300, workers: int = 2,
        deadline: float = 50.0, at_flood_end: Callable[[int], None] | None = None) -> Result:
    """Flood a fresh server of `settings`; the figures in a Result (asserts nothing).
    `at_flood_end(port)` runs right after the flood, the store still full."""
    import redis

    started = time.monotonic()
    maxmemory, limit = memory.maxmemory(settings), memory.limit(settings)
    assert maxmemory is not None and limit is not None, "the flood needs a memory limit and maxmemory"
    capacity = memory.capacity(maxmemory)
    res = Result(settings.maxmemory_policy, limit, maxmemory, capacity, int(TARGET_FACTOR * capacity))
    with tempfile.TemporaryDirectory(prefix="flood-", dir=workdir) as tmp:
        srv = memstore.server(settings, Path(tmp)).start()
        try:
            r = srv.client(socket_timeout=10)
            # Snapshots counted, not LASTSAVE's time: that has whole seconds, and a quick flood's
            # snapshot can finish within the second the server started.
            saves = int(r.info("persistence")["rdb_saves"])
            ctx = mp.get_context("fork")
            go, stop, counter, out = ctx.Event(), ctx.Event(), ctx.Value("q", 0), ctx.Queue()
            quota = -(-res.target // workers)
            procs = [ctx.Process(target=_flooder, args=(srv.port, w, quota, flood_ttl, go, stop, counter, out))
                     for w in range(workers)]
            for p in procs:
                p.start()
            evicted0 = int(r.info("stats")["evicted_keys"])
            assert srv.process is not None
            with memstore.Sampler(srv.process.pid) as sampler:
                t0 = time.monotonic()
                go.set()
                forced: float | None = None
                real_at = 0
                while any(p.is_alive() for p in procs):
                    if time.monotonic() - started > deadline:
                        stop.set()
                        res.notes.append(f"deadline {deadline} s: flood stopped early")
                        break
                    written = counter.value
                    res.used_max = max(res.used_max, int(r.info("memory")["used_memory"]))
                    res.keys_max = max(res.keys_max, int(r.dbsize()))
                    if forced is None and written >= res.target // 2:
                        try:
                            r.bgsave()
                        except redis.ResponseError as e:  # `save 60 1` started one first: that one counts
                            res.notes.append(f"BGSAVE: {e}")
                        forced, res.bgsave_forced_at = time.monotonic(), written
                    if not res.real_written and written >= int(res.target * 0.97):
                        try:
                            keyschema.store(r, REAL_USER, REAL_CODE, settings.otp_ttl_seconds)
                            res.real_written, real_at = True, written
                        except redis.exceptions.OutOfMemoryError:
                            res.real_refused += 1
                    time.sleep(0.02)
                for p in procs:
                    p.join(timeout=30)
                flood_end = time.monotonic()
                for _ in procs:
                    done, accepted, oom, other = out.get(timeout=10)
                    res.attempted, res.accepted = res.attempted + done, res.accepted + accepted
                    res.oom, res.other_errors = res.oom + oom, res.other_errors + other
                if res.real_written:
                    res.writes_after_real = counter.value - real_at
                    res.real_readable = keyschema.load(r, REAL_USER) == REAL_CODE
                if at_flood_end is not None:
                    at_flood_end(srv.port)
                while r.info("persistence")["rdb_bgsave_in_progress"] and time.monotonic() - started < deadline:
                    time.sleep(0.02)
                saved = time.monotonic()
            res.seconds = flood_end - t0
            res.evicted = int(r.info("stats")["evicted_keys"]) - evicted0
            persistence = r.info("persistence")
            res.bgsave_ok = persistence["rdb_last_bgsave_status"] == "ok" and int(persistence["rdb_saves"]) > saves
            res.bgsave_seconds = saved - forced if forced else 0.0
            res.fork_cow = next((line.split("* ", 1)[-1] for line in reversed(srv.log.read_text().splitlines())
                                 if "Fork CoW" in line), "")
            peak = sampler.peak()
            res.peak_charged, res.peak_parent_rss = peak.charged, peak.parent_rss
            res.peak_child_private = max((s.child_private for s in sampler.samples), default=0)
            res.samples_during_fork = len(sampler.during_fork())
            if settings.maxmemory_policy == "noeviction":
                # The flood's codes expire after flood_ttl: a new code must be accepted again.
                while time.monotonic() - flood_end < flood_ttl + 10 and time.monotonic() - started < deadline + 20:
                    try:
                        keyschema.store(r, "real.user.bob", REAL_CODE, settings.otp_ttl_seconds)
                        res.recovered_after_s = time.monotonic() - flood_end
                        break
                    except redis.exceptions.OutOfMemoryError:
                        time.sleep(0.05)
                res.keys_after_recovery = int(r.dbsize())
            res.server_up = bool(r.ping()) and srv.process.poll() is None
        finally:
            srv.stop(grace=30)
    return res


def problems(res: Result) -> list[str]:
    """The promises the flood must keep; empty when all hold."""
    bad = []
    if not res.server_up:
        bad.append("the server is not up after the flood")
    if res.attempted < 3 * max(res.capacity, res.keys_max):
        bad.append(f"{res.attempted} writes: less than 3x what the store holds ({max(res.capacity, res.keys_max)})")
    if res.used_max > res.maxmemory + USED_TOLERANCE:
        bad.append(f"used_memory reached {res.used_max} B, maxmemory is {res.maxmemory} B")
    if res.peak_charged >= res.limit:
        bad.append(f"RSS + the child's private pages reached {res.peak_charged} B, the limit is {res.limit} B")
    if not res.samples_during_fork:
        bad.append("no sample while the RDB child ran: the fork's memory was not seen")
    if not res.bgsave_ok:
        bad.append("the snapshot did not complete")
    if res.policy == "noeviction":
        if not res.oom:
            bad.append("noeviction: no write was refused with OOM")
        if res.recovered_after_s is None:
            bad.append("noeviction: codes were not accepted again after the flood's codes expired")
    else:
        if res.oom or res.other_errors:
            bad.append(f"{res.policy}: {res.oom} OOM and {res.other_errors} other errors, expected none")
        if not res.real_readable:
            bad.append("the real user's code written just before the flood ended was not readable after it")
    return bad
