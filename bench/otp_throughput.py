"""OTP issue / verify through redis-py against a real redis-server started from the rendered
configuration, side by side with redis-benchmark on the same server in the same run, and the
flood's figures. Prints numbers, asserts nothing.

    .venv/bin/python bench/otp_throughput.py [--conns 1,4] [--seconds 3] [--rounds 2] [--limit 128Mi]
                                             [--no-flood]

  issue   keyschema.store: SET sms_otp:{username} <json> EX <ttl>      (what the backend sends)
  verify  keyschema.load + keyschema.delete: GET, then DEL              (two round trips)

redis-py side: C processes with one client each (one Python process drives one blocking
connection; threads would share the GIL), every call timed; the client is the one the project
installs (`redis` in pyproject.toml; hiredis is not a dependency, so its pure-Python parser),
used as smoke and inspect use it (redis.Redis, pooled), and with single_connection_client=True
for comparison. redis-benchmark side: the same C connections, -P 1, plain `-t set,get` and the key
schema's own commands (same key shape, same JSON, EX). Rounds interleave the two sides, so a
noisy shared machine hits both; client CPU per operation (user + system of the client processes)
is printed beside the rates because it barely depends on what else runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.runtime import keyschema  # noqa: E402
from tests.support import flood, memstore, redisproc  # noqa: E402

KEYSPACE = 100_000
VALUE = keyschema.OtpRecord("123456", "+15550100000").to_json()


def _worker(port: int, seconds: float, phase: str, single: bool, users: range, go: Any, out: Any) -> None:
    import redis

    r = redis.Redis(host="127.0.0.1", port=port, password=redisproc.PASSWORD, socket_timeout=5,
                    single_connection_client=single)
    r.ping()
    # Each worker its own preloaded users, in order: a verify finds its code (GET hits, DEL removes).
    names = [f"user{n:09d}" for n in users]
    record = keyschema.OtpRecord.from_json(VALUE)
    lat: list[int] = []
    now = time.perf_counter_ns
    go.wait(30)
    cpu0, end, i = time.process_time(), time.monotonic() + seconds, 0
    while time.monotonic() < end:
        user = names[i % len(names)]
        i += 1
        t0 = now()
        if phase == "issue":
            keyschema.store(r, user, record, 300)
        else:
            keyschema.load(r, user)
            keyschema.delete(r, user)
        lat.append(now() - t0)
    out.put(json.dumps({"lat": lat, "cpu": time.process_time() - cpu0}))


def redis_py(port: int, conns: int, seconds: float, phase: str, single: bool) -> dict[str, float]:
    ctx = mp.get_context("fork")
    go, out = ctx.Event(), ctx.Queue()
    share = KEYSPACE // conns
    procs = [ctx.Process(target=_worker, args=(port, seconds, phase, single, range(n * share, (n + 1) * share), go,
                                               out)) for n in range(conns)]
    for p in procs:
        p.start()
    time.sleep(0.3 + 0.02 * conns)
    go.set()
    results = [json.loads(out.get(timeout=seconds + 60)) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    lat = sorted(x for res in results for x in res["lat"])
    ops = len(lat)
    return {"rps": ops / seconds, "p50_ms": lat[ops // 2] / 1e6, "p99_ms": lat[int(ops * 0.99)] / 1e6,
            "cpu_us": 1e6 * sum(res["cpu"] for res in results) / ops}


def redis_benchmark(port: int, conns: int, requests: int, command: list[str]) -> dict[str, dict[str, float]]:
    args = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-a", redisproc.PASSWORD, "-c", str(conns),
            "-P", "1", "-n", str(requests), "-r", str(KEYSPACE), "--csv", "--precision", "3", *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = subprocess.run(args, capture_output=True, text=True, timeout=600, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rows = list(csv.reader(io.StringIO(text)))
    header, out = rows[0], {}
    for row in rows[1:]:
        # A test name holding our JSON is split by the CSV reader: the figures are the last fields.
        d = dict(zip(header[1:], row[len(row) - len(header) + 1:], strict=True))
        name = ",".join(row[: len(row) - len(header) + 1]).split()[0].upper()
        out[name] = {"rps": float(d["rps"]), "p50_ms": float(d["p50_latency_ms"]),
                     "p99_ms": float(d["p99_latency_ms"]), "cpu_us": 1e6 * cpu / (requests * (len(rows) - 1))}
    return out


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def _row(name: str, v: dict[str, float]) -> str:
    return (f"  {name:44} {v['rps']:>9.0f} ops/s  p50 {v['p50_ms']:.3f} ms  p99 {v['p99_ms']:.3f} ms  "
            f"client CPU {v['cpu_us']:.1f} us/op")


def compare(port: int, conns: int, seconds: float, rounds: int, server: redisproc.Server) -> None:
    requests = max(20_000, int(conns * 15_000 * seconds / 3))
    key = "sms_otp:user__rand_int__"
    runs: dict[str, list[dict[str, float]]] = {}
    for _ in range(rounds):
        for name, res in redis_benchmark(port, conns, requests, ["-t", "set,get"]).items():
            runs.setdefault(f"redis-benchmark -t {name.lower()}", []).append(res)
        for name, command in (("SET", ["SET", key, VALUE, "EX", "300"]), ("GET", ["GET", key]), ("DEL", ["DEL", key])):
            runs.setdefault(f"redis-benchmark schema {name}", []).extend(
                redis_benchmark(port, conns, requests, command).values())
        memstore.load(port, KEYSPACE, lambda i: 300, prefix="user")  # what DEL removed, for verify to find
        for single in (False, True):
            client = "single connection" if single else "pooled (as smoke/inspect)"
            for phase in ("issue", "verify"):
                runs.setdefault(f"redis-py {phase}, {client}", []).append(
                    redis_py(port, conns, seconds, phase, single))
            memstore.load(port, KEYSPACE, lambda i: 300, prefix="user")
    med = {name: _median(r) for name, r in runs.items()}
    print(f"\n-- {conns} connection(s), pipelining off; medians of {rounds} interleaved rounds")
    for name in sorted(med):
        print(_row(name, med[name]))
    pair = 1 / (1 / med["redis-benchmark schema GET"]["rps"] + 1 / med["redis-benchmark schema DEL"]["rps"])
    for client in ("pooled (as smoke/inspect)", "single connection"):
        issue, verify = med[f"redis-py issue, {client}"], med[f"redis-py verify, {client}"]
        plain = issue["rps"] / med["redis-benchmark -t set"]["rps"]
        print(f"  ratio, redis-py {client}: issue / benchmark SET {plain:.2f} (schema SET "
              f"{issue['rps'] / med['redis-benchmark schema SET']['rps']:.2f}); verify / benchmark GET+DEL "
              f"{verify['rps'] / pair:.2f}")
    stats = server.client().info("commandstats")
    print("  server time per call (INFO commandstats): " + ", ".join(
        f"{c.upper()} {stats[f'cmdstat_{c}']['usec_per_call']:.2f} us" for c in ("set", "get", "del")
        if f"cmdstat_{c}" in stats))


def main() -> None:
    import redis

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conns", default="1,4")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--limit", default="128Mi", help="container memory limit of the environment (default: dev's)")
    ap.add_argument("--no-flood", action="store_true", help="skip the flood figures")
    a = ap.parse_args()
    redisproc.require_redis()
    settings = memstore.settings(a.limit)
    from redis.utils import HIREDIS_AVAILABLE

    one, five, _ = os.getloadavg()
    print(f"redis-py {redis.__version__} (parser: {'hiredis' if HIREDIS_AVAILABLE else 'pure Python'}); "
          f"redis-server from the configuration rendered for a {a.limit} limit; load average {one:.1f} "
          f"(5 min {five:.1f}) on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="otp-bench-") as tmp:
        srv = memstore.server(settings, Path(tmp) / "bench").start()
        try:
            memstore.load(srv.port, KEYSPACE, lambda i: 300, prefix="user")
            for conns in (int(c) for c in a.conns.split(",")):
                compare(srv.port, conns, a.seconds, a.rounds, srv)
        finally:
            srv.stop()
        if not a.no_flood:
            res = flood.run(settings, Path(tmp))
            print(f"\n-- flood (tests/support/flood.py), {a.limit} limit\n  {res.line()}")
            print(f"  problems: {flood.problems(res) or 'none'}")


if __name__ == "__main__":
    main()
