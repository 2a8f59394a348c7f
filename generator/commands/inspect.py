"""`inspect <env>`: the OTP keys, their TTLs, memory and the last save of a live Redis, without
hurting it (generator/runtime/inspect.py), and the report as it is printed: whatever the server
sent back (key names, INFO fields) is scrubbed of the password and shown without control
characters."""

from __future__ import annotations

import argparse
import json

from generator import pipeline
from generator.commands import root_of
from generator.core import passwords
from generator.core.errors import UsageError
from generator.core.text import escaped
from generator.runtime import inspect
from generator.runtime.smoke import target

MAX_DEADLINE_S = 3600.0
MAX_SAMPLES = 20


def run(args: argparse.Namespace) -> int:
    if not 0 < args.deadline <= MAX_DEADLINE_S:
        raise UsageError(f"--deadline: expected seconds greater than 0 and at most {MAX_DEADLINE_S:.0f}, "
                         f"got {args.deadline}")
    if not 0 <= args.samples <= MAX_SAMPLES:
        raise UsageError(f"--samples: expected 0 to {MAX_SAMPLES}, got {args.samples}")
    settings = pipeline.prepare(root_of(args), args.env).settings
    where = target.from_options(settings, args.host, args.port, args.timeout, args.direct, args.password_from_secret)
    report = inspect.inspect(settings, where, args.max_keys, args.deadline, args.samples)
    if args.json:  # json.dumps escapes every control character itself
        print(passwords.scrub(json.dumps(report.as_json(), indent=2), where.password))
    else:
        print("\n".join(escaped(passwords.scrub(line, where.password)) for line in text(report)))
    return 0


def text(report: inspect.Report) -> list[str]:
    """The report as lines for a person."""
    m, p = report.memory, report.persistence
    count = (f"{report.otp_keys} OTP keys" if report.complete else f"{report.otp_keys} OTP keys seen, about "
             f"{report.estimated_otp_keys} in all (stopped by {report.stopped_by})")
    share = f" ({m['used_of_maxmemory']} %)" if m.get("used_of_maxmemory") is not None else ""
    lines = [f"{report.target}: {count} of {report.dbsize} keys; {report.no_ttl} without TTL, {report.longer_ttl} "
             "with a longer TTL",
             f"memory: used {m['used_memory']} B of maxmemory {m['maxmemory']} B{share}, policy "
             f"{m['maxmemory_policy']}; RSS {m['used_memory_rss']} B; evicted_keys {m['evicted_keys']}, "
             f"expired_keys {m['expired_keys']}, {m['connected_clients']} clients",
             f"last save {p['seconds_since_last_save']} s ago, status {p['rdb_last_bgsave_status']}, "
             f"{p['rdb_changes_since_last_save']} changes since, in progress {p['rdb_bgsave_in_progress']}",
             "TTL histogram (seconds left):"]
    top = max(report.ttl_histogram.values(), default=0) or 1
    lines += [f"  {label:>10} {n:>9} {'#' * round(40 * n / top)}" for label, n in report.ttl_histogram.items()]
    lines += ["  sample: " + ", ".join(f"{k}={v}" for k, v in s.items()) for s in report.samples]
    lines += [f"note: {n}" for n in report.notes]
    lines.append(f"{report.scan_calls} SCAN steps in {report.seconds} s; slowest round trip "
                 f"{report.slowest_call_ms:.1f} ms; {report.duplicates} duplicates dropped")
    return lines

