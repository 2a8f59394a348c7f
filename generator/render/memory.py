"""How much memory Redis may use, and how many OTP codes that holds.

`maxmemory` is derived from the container's memory limit (or given as the setting `maxmemory`
and checked against it) so that Redis stops growing well before the kernel kills the container:
a kill loses every code issued since the last snapshot. The numbers below were measured on
redis-server 7.0.15 (jemalloc) started from the rendered configuration, flooded with distinct
usernames while a BGSAVE ran (README "Memory under load" has the tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from generator.core import quantity
from generator.core.settings import Settings

MiB = 1 << 20

# The worst moment is a background save during a flood: Redis forks, and the child keeps the
# pages of the parent as they were. With eviction on, every write evicts a random record and the
# next write reuses its slot, so writes land on pages all over the heap and copy-on-write
# reached 70-100 % of the dataset within one save (measured at maxmemory 48-384 MiB). A full
# copy is also the bound: the child cannot hold more private pages than the parent had.
#   COW_FACTOR 2.2 = the parent's RSS (1.03-1.13 x used_memory at fork time, so 1.1) plus a full
#                    copy of it (another 1.1);
#   FIXED_RSS 16 MiB = an empty instance's RSS (12.4 MiB: 2.6 anonymous + 9.8 of binary and
#                    libraries) plus client and child buffers;
#   LIMIT_MARGIN 0.9 = 10 % of the limit for what is not modelled (page tables, socket buffers,
#                    the RDB file's dirty page cache).
# Measured peaks (server RSS + the child's private pages, 3x capacity written, BGSAVE mid-flood):
# 0.76 x the limit at 64Mi, 0.80-0.83 at 128Mi, 0.84 at 256Mi, 0.82 at 512Mi. A plain fraction
# does not work: 0.6 x 128Mi peaked at 1.34 x the limit, i.e. an OOM kill during the snapshot.
COW_FACTOR = Fraction(22, 10)
FIXED_RSS = 16 * MiB
LIMIT_MARGIN = Fraction(9, 10)
# Below 64Mi the formula leaves under 18 MiB (~89,000 codes) and the fixed part dominates.
MIN_LIMIT = 64 * MiB
# An override below this holds fewer than ~78,000 codes, and a few busy clients (~22 KB each
# right after use, counted in used_memory) would take a visible share of it.
MIN_MAXMEMORY = 16 * MiB

# Every key has a TTL, so volatile-ttl (evict the code closest to expiry; it compares expiry
# times in milliseconds) evicts the least valuable code first: a real user's fresh code has the
# longest TTL and is the last to go. Measured: 0 of 599 fresh codes lost in a 3x-capacity flood
# (allkeys-lru, whose clock has 1 s resolution, lost 14). noeviction refuses new codes instead.
POLICIES = ("volatile-ttl", "noeviction")
SAMPLES = 5  # maxmemory-samples: 3 already lost no fresh code in the measurements, 1 behaved randomly

# Capacity: used_memory of an empty instance (0.71-1.00 MB) and per record, for a username of
# up to CAPACITY_USERNAME_CHARS characters: main dictEntry 32 B + value object 16 + value string
# 64 (any JSON value of 45-60 bytes, i.e. every E.164 number) + key string + expires dictEntry 32,
# plus the two hash tables' buckets, 16-32 B per record (quoted at 24). The key string is one
# jemalloc size class: 12 + len(username) bytes rounded up (sms_otp: + header + NUL).
EMPTY_USED = 1_000_000
CAPACITY_USERNAME_CHARS = 20
_RECORD_WITHOUT_KEY = 32 + 16 + 64 + 32 + 24
_SIZE_CLASSES = (16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256)


def largest(limit: int) -> int:
    """The largest maxmemory, in whole MiB, for a container memory limit (bytes):
    floor_MiB((0.9 x limit - 16 MiB) / 2.2). The derived value and the bound of an override."""
    room = (LIMIT_MARGIN * limit - FIXED_RSS) / COW_FACTOR
    return max(0, int(room // MiB)) * MiB


def fits(maxmemory: int, limit: int) -> bool:
    """2.2 x maxmemory + 16 MiB <= 0.9 x limit: the fork's worst case stays 10 % under the limit."""
    return COW_FACTOR * maxmemory + FIXED_RSS <= LIMIT_MARGIN * limit


def peak_bound(maxmemory: int) -> int:
    """The memory the model allows for at a fork's worst (bytes); the load test holds RSS below the limit."""
    return int(COW_FACTOR * maxmemory + FIXED_RSS)


def to_bytes(text: str | None) -> int | None:
    """A Kubernetes memory quantity in whole bytes (rounded down); None for none or a malformed one."""
    if text is None:
        return None
    try:
        return int(quantity.parse(text))
    except ValueError:
        return None


def limit(settings: Settings) -> int | None:
    """The Redis container's memory limit in bytes, if it has one."""
    return to_bytes(settings.resources.limits.memory)


def maxmemory(settings: Settings) -> int | None:
    """Redis' maxmemory in bytes: the setting when given, else derived from the memory limit;
    None without either (validation refuses that for an environment that deploys Redis)."""
    given = to_bytes(settings.maxmemory)
    if given is not None:
        return given
    container = limit(settings)
    return largest(container) if container is not None else None


def record_bytes(username_chars: int = CAPACITY_USERNAME_CHARS) -> int:
    """used_memory one OTP record costs, for a username of that many characters."""
    key = next((c for c in _SIZE_CLASSES if c >= 12 + username_chars), 12 + username_chars)
    return _RECORD_WITHOUT_KEY + key


def capacity(maxmemory_bytes: int, username_chars: int = CAPACITY_USERNAME_CHARS) -> int:
    """How many OTP records fit under maxmemory (within -4.5..+0.3 % of what the measured store held)."""
    return max(0, (maxmemory_bytes - EMPTY_USED) // record_bytes(username_chars))


def configuration(settings: Settings) -> list[str]:
    """The redis.conf lines of the memory ceiling (part of commonConfiguration, so every role has them)."""
    value = maxmemory(settings)
    container = settings.resources.limits.memory
    if settings.maxmemory:
        source = f"as set ({settings.maxmemory}), " + (f"checked against the {container} limit" if container
                                                       else "no memory limit")
    else:
        source = f"from the {container} limit, leaving room for the RDB fork"
    lines = [f"# Memory ceiling (generated by twofa-redis): maxmemory {source}."]
    if value is not None:
        lines.append(f"maxmemory {value}")
    return [*lines, f"maxmemory-policy {settings.maxmemory_policy}", f"maxmemory-samples {SAMPLES}"]


def outputs(settings: Settings) -> dict[str, Any]:
    """The memory outputs of `outputs`: maxmemory, policy and the codes it holds."""
    value = maxmemory(settings) if settings.enable_redis else None
    return {
        "redis_maxmemory_bytes": value,
        "redis_maxmemory_policy": settings.maxmemory_policy if settings.enable_redis else None,
        "redis_otp_capacity": capacity(value) if value is not None else None,
    }


def _mib(n: int) -> str:
    return f"{n // MiB} MiB" if n % MiB == 0 else f"{n / MiB:.2f} MiB"


def capacity_table(settings_list: Sequence[Settings]) -> str:
    """The README's table of what each environment holds (between its capacity markers)."""
    rows = [f"| environment | memory limit | maxmemory | of the limit | policy | OTP codes held "
            f"(usernames up to {CAPACITY_USERNAME_CHARS} characters) | logins per second it sustains |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for s in sorted(settings_list, key=lambda s: s.env):
        if not s.enable_redis:
            rows.append(f"| {s.env} | - | - | - | - | Redis not deployed (enable_redis: false) | - |")
            continue
        value, container = maxmemory(s), limit(s)
        share = f"{value / container:.2f}" if value is not None and container else "-"
        held = capacity(value) if value is not None else None
        rows.append(f"| {s.env} | {s.resources.limits.memory or 'none'} | "
                    f"{_mib(value) if value is not None else 'none'}{' (set)' if s.maxmemory else ''} | {share} | "
                    f"{s.maxmemory_policy} | {f'{held:,}' if held is not None else '-'} | "
                    f"{f'{held // s.otp_ttl_seconds:,}' if held is not None else '-'} |")
    return "\n".join(rows) + "\n"
