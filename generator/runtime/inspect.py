"""`inspect`: look at a live OTP store without hurting it.

Never `KEYS sms_otp:*` (one call walks the whole key space while every other client waits: 0.4 s
at a million keys) nor `MONITOR` (it streams every code and phone number, and costs every
command a copy). Instead, bounded steps: one read-only script call per step runs

  SCAN cursor MATCH sms_otp:* COUNT 1000   looks at ~1000 keys: ~1.3 ms in Redis
  TTL of each key that SCAN returned       ~1000 O(1) commands

and returns the keys with their TTLs (in one call rather than a SCAN and a pipeline of TTLs:
2.5x less client time, ~4 s instead of ~10 s at a million keys, for the same work in Redis),
then INFO once. Two bounds on the whole walk, --max-keys and --deadline: the report then says it
stopped and estimates the rest from DBSIZE. A code or phone number is never shown in full.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from generator.core import passwords
from generator.core.errors import InspectError
from generator.core.settings import Settings
from generator.core.text import shown
from generator.render import memory
from generator.runtime import keyschema
from generator.runtime.smoke.target import Broken, Target, client, master_address

COUNT = 1000  # per SCAN: 1000 kept each call at ~1.3 ms (max 5.7) on 1M keys; 10000 took 14-25 ms
BINS = 10  # TTL histogram: otp_ttl_seconds in ten equal bins
MATCH = keyschema.KEY_PREFIX + "*"
# no-writes: allowed on a replica and when memory is full under noeviction (a script without
# flags counts as a write there and is refused with OOM).
STEP = f"""#!lua flags=no-writes
local found = redis.call('SCAN', ARGV[1], 'MATCH', '{MATCH}', 'COUNT', {COUNT})
local ttls = {{}}
for i, key in ipairs(found[2]) do ttls[i] = redis.call('TTL', key) end
return {{found[1], found[2], ttls}}
"""


@dataclass
class Report:
    target: str
    otp_keys: int = 0  # distinct OTP keys seen
    complete: bool = True  # False when a bound stopped the walk
    stopped_by: str = ""
    estimated_otp_keys: int = 0  # otp_keys, or extrapolated from DBSIZE when incomplete
    dbsize: int = 0
    ttl_histogram: dict[str, int] = field(default_factory=dict)
    longer_ttl: int = 0  # TTL above otp_ttl_seconds: written with another TTL
    no_ttl: int = 0  # TTL -1: breaks the key schema, and volatile-ttl can never evict it
    duplicates: int = 0  # SCAN may return a key twice while the table is resized
    scan_calls: int = 0
    seconds: float = 0.0
    slowest_call_ms: float = 0.0  # slowest round trip of one step (SCAN + TTLs) seen from here
    memory: dict[str, Any] = field(default_factory=dict)
    persistence: dict[str, Any] = field(default_factory=dict)
    samples: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def inspect(settings: Settings, target: Target, max_keys: int, deadline_s: float, samples: int = 3) -> Report:
    """Walk the OTP keys of the master at `target` (asking Sentinel where it is, when the target is
    Sentinel) and read its memory and persistence state. InspectError when Redis fails a call or
    answers what Redis would not; each command within --timeout and a byte bound, as smoke's
    (runtime/smoke/bounded.py), the walk within --deadline."""
    import redis

    from generator.runtime.smoke.bounded import Budget

    host, port = target.host, target.port
    budget = Budget(target.timeout, per_command=True)
    try:
        if target.sentinel_port is not None:
            found = master_address(target, budget)
            if found is None:
                raise InspectError(f"inspect {settings.env}: Sentinel at {host}:{port} does not know master set "
                                   f"{target.master_set!r}")
            host, port = found
        report = Report(f"{host}:{port}")
        c = client(host, port, target.password, target.timeout, budget=budget, decode=False)
        try:
            walk(c, report, settings.otp_ttl_seconds, max_keys, deadline_s, samples)
            server(c, report, settings)
        finally:
            c.close()
    except Broken as e:
        got = f"expected {e.expected}, got {e.got}"
    # OSError, UnicodeError: a host the resolver refuses; ValueError: an integer reply that is not one
    except (redis.RedisError, OSError, UnicodeError, ValueError) as e:
        got = f"{type(e).__name__}: {e}"
    else:
        return report
    # A server may echo the AUTH argument in its error, or anywhere.
    raise InspectError(passwords.scrub(f"inspect {settings.env}: {host}:{port}: {got}", target.password))


def mask_phone(phone: str) -> str:
    """+15550100 -> +1*****00: the country prefix and the last two digits, nothing between."""
    if len(phone) <= 6:
        return "*" * len(phone)
    head = 2 if phone.startswith("+") else 0
    return phone[:head] + "*" * (len(phone) - head - 2) + phone[-2:]


def mask_user(user: str) -> str:
    return user[:2] + "*" * max(0, len(user) - 2)


def masked(key: bytes, raw: bytes | None) -> dict[str, str]:
    """One record as `inspect` shows it: the username cut, the code's length, the phone masked."""
    out = {"user": mask_user(key[len(keyschema.KEY_PREFIX):].decode("utf-8", "replace"))}
    if raw is None:
        return {**out, "value": "(gone)"}
    if not isinstance(raw, bytes):
        return {**out, "value": f"(not a string: {type(raw).__name__})"}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return {**out, "value": f"(not JSON, {len(raw)} bytes)"}
    if not isinstance(data, dict):
        return {**out, "value": f"(JSON {type(data).__name__}, not an object)"}
    code, phone = data.get("code"), data.get("phone_number")
    out["code"] = f"({len(code)} characters)" if isinstance(code, str) else "(missing)"
    out["phone_number"] = mask_phone(phone) if isinstance(phone, str) else "(missing)"
    extra = sorted(str(k) for k in set(data) - {"code", "phone_number"})
    if extra:
        out["unexpected_fields"] = ",".join(extra)
    return out


def walk(client: Any, report: Report, ttl: int, max_keys: int, deadline_s: float, samples: int) -> None:
    """SCAN the OTP keys, their TTLs into the histogram; stops at the end, max_keys or the deadline."""
    t0 = time.monotonic()
    width = max(1, -(-ttl // BINS))
    bins = [0] * BINS
    seen: set[int] = set()  # hashes, not keys: ~50 B a key instead of ~100
    report.dbsize = _count(client.dbsize(), "DBSIZE")
    step = client.register_script(STEP)  # EVALSHA, the script sent again only if Redis lost it
    cursor: bytes | int = 0
    while True:
        c0 = time.perf_counter()
        cursor, keys, ttls = _step_answer(step(args=[cursor]))
        report.scan_calls += 1
        report.slowest_call_ms = max(report.slowest_call_ms, (time.perf_counter() - c0) * 1000)
        fresh = []
        for k, t in zip(keys, ttls, strict=True):
            h = hash(k)
            if h in seen:
                report.duplicates += 1
                continue
            seen.add(h)
            fresh.append(k)
            if t < 0:  # -1: no TTL (-2, gone, cannot happen: the script sees one moment)
                report.no_ttl += 1
            elif t > ttl:
                report.longer_ttl += 1
            else:
                bins[min(int(t) // width, BINS - 1)] += 1
        for k in fresh[: max(0, samples - len(report.samples))]:
            report.samples.append(masked(k, client.get(k)))
        if int(cursor) == 0:
            break
        if len(seen) >= max_keys:
            report.complete, report.stopped_by = False, f"--max-keys {max_keys}"
            break
        if time.monotonic() - t0 >= deadline_s:
            report.complete, report.stopped_by = False, f"--deadline {deadline_s:g} s"
            break
    report.otp_keys = len(seen)
    # Incomplete: SCAN visits the table in hash order, not by name, so the part seen is a fair
    # sample; about COUNT keys of any name were looked at per call.
    looked_at = max(1, report.scan_calls * COUNT)
    scale = 1.0 if report.complete else max(1.0, report.dbsize / looked_at)
    report.estimated_otp_keys = round(report.otp_keys * scale)
    for i in range(BINS):
        upper = ttl if i == BINS - 1 else (i + 1) * width - 1
        report.ttl_histogram[f"{i * width}-{upper}s"] = bins[i]
    report.seconds = round(time.monotonic() - t0, 3)


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 63:
        raise Broken(f"{what}: a count", shown(value))
    return value


def _step_answer(answer: Any) -> tuple[bytes, list[bytes], list[int]]:
    """The SCAN step's (cursor, keys, TTLs), checked: a peer that is not the Redis we meant may
    answer anything."""
    if not (isinstance(answer, list) and len(answer) == 3 and isinstance(answer[0], bytes)
            and answer[0].isdigit() and len(answer[0]) <= 20 and isinstance(answer[1], list)
            and isinstance(answer[2], list) and len(answer[1]) == len(answer[2])
            and all(isinstance(k, bytes) for k in answer[1]) and all(type(t) is int for t in answer[2])):
        raise Broken("the SCAN step's cursor, keys and TTLs", shown(answer))
    return answer[0], answer[1], answer[2]


def server(client: Any, report: Report, settings: Settings) -> None:
    """Memory, evictions and the last save from one INFO; notes where they break a promise."""
    info = client.info()
    used, limit = _count(info.get("used_memory", 0), "INFO used_memory"), _count(info.get("maxmemory", 0),
                                                                                  "INFO maxmemory")
    expected = memory.maxmemory(settings)
    policy = _text(info.get("maxmemory_policy"))
    report.memory = {"used_memory": used, "maxmemory": limit, "used_of_maxmemory": round(100 * used / limit, 1)
                     if limit else None, "maxmemory_policy": policy, "expected_maxmemory": expected,
                     "expected_policy": settings.maxmemory_policy, "used_memory_rss": info.get("used_memory_rss"),
                     "evicted_keys": info.get("evicted_keys"), "expired_keys": info.get("expired_keys"),
                     "connected_clients": info.get("connected_clients")}
    last = _count(info.get("rdb_last_save_time", 0), "INFO rdb_last_save_time")
    status = _text(info.get("rdb_last_bgsave_status"))
    report.persistence = {"rdb_last_save_time": last, "seconds_since_last_save": max(0, int(time.time()) - last),
                          "rdb_last_bgsave_status": status,
                          "rdb_changes_since_last_save": info.get("rdb_changes_since_last_save"),
                          "rdb_bgsave_in_progress": info.get("rdb_bgsave_in_progress")}
    if not limit:
        report.notes.append("maxmemory is 0: Redis grows until the container is killed (TR-MEM-001)")
    elif expected is not None and limit != expected:
        report.notes.append(f"maxmemory is {limit} B, the environment renders {expected} B")
    if policy != settings.maxmemory_policy:
        report.notes.append(f"maxmemory-policy is {policy}, the environment renders {settings.maxmemory_policy}")
    if report.no_ttl:
        report.notes.append(f"{report.no_ttl} OTP keys have no TTL: they never expire and volatile-ttl cannot evict "
                            "them")
    if settings.persistence_enabled and status != "ok":
        report.notes.append(f"the last background save failed (rdb_last_bgsave_status {status}): is the volume full?")


def _text(value: Any) -> str:
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else str(value)
