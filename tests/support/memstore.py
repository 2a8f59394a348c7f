"""A real redis-server started from the configuration the render gives an environment of our own
(settings built here, never read from environments/), and what the memory tests and benchmarks
need around it: a fast loader of OTP records and a sampler of the memory a container's cgroup
would charge for the server and its forked child.

The configuration is the ConfigMap `<fullname>-configuration`: the real subchart's render when
its archive is present (rendered in the tests' own project, tests/support/fixture_project.py),
else generator/bitnami/config.py's equivalent from the same values (tests/e2e/test_bitnami.py
proves the two equal), started with the start script's arguments (generator/runtime/redisconf.py).
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.bitnami import archive, config
from generator.bitnami import names as bitnami_names
from generator.check import renders
from generator.core.settings import Settings
from generator.render import values
from generator.runtime import redisconf
from generator.validate import schema
from tests.support import fixture_project, redisproc

MiB = 1 << 20
BASE: dict[str, Any] = {"env": "memtest", "namespace": "memtest", "region": "us-east-1", "prefix": "twofa",
                        "enable_redis": True,
                        "ecr_registry": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                        "ecr_repository": "twofa/memtest"}
VALUE = '{"code":"%06d","phone_number":"+1555%07d"}'  # keyschema's compact JSON, 46 bytes


def settings(limit: str = "128Mi", **changes: Any) -> Settings:
    """An environment of the tests' own: the schema's defaults, a container memory limit, changes."""
    data = {**schema.defaults(), **BASE,
            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "250m", "memory": limit}},
            **changes}
    return Settings.from_dict(data)


def env_file(limit: str = "256Mi", extra: str = "") -> str:
    """environments/memtest.yaml of a project copy: the same environment as `settings(limit)`."""
    return (f"env: {BASE['env']}\nnamespace: {BASE['namespace']}\nregion: {BASE['region']}\nenable_redis: true\n"
            f"ecr_registry: {BASE['ecr_registry']}\n"
            f"ecr_repository: {BASE['ecr_repository']}\nresources:\n  limits:\n    memory: {limit}\n{extra}")


def files(s: Settings) -> dict[str, str]:
    """The data of `<fullname>-configuration` for `s`: rendered by helm with the subchart when its
    archive is present (chart_version set to the archive's), else our equivalent."""
    root = fixture_project.default_root()
    found = archive.find(root / "chart")
    if found is None:
        return config.configmap(values.subchart_values(s), bitnami_names.fullname(s.release_name), s.namespace)
    s = dataclasses.replace(s, chart_version=found.version)
    (result,) = renders.render_checked(root, [s], [f"environments/{s.env}.yaml"])
    name = bitnami_names.configuration(bitnami_names.fullname(s.release_name))
    return next({k: str(v) for k, v in o["data"].items()} for o in result.objects
                if o["kind"] == "ConfigMap" and o["metadata"]["name"] == name)


def server(s: Settings, workdir: Path) -> redisproc.Server:
    """The master of `s`, as start-master.sh starts it, not yet started."""
    node = redisconf.node(s.architecture, s.sentinel_enabled, "master")
    return redisproc.node_server(files(s), workdir, node)


def connect(port: int, password: str = redisproc.PASSWORD, timeout: float = 30.0) -> socket.socket:
    """A raw, authenticated connection: the loaders speak RESP themselves (redis-py's pipeline
    costs several times the server's work per command and could not outrun eviction)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    pw = password.encode()
    s.sendall(b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n" % (len(pw), pw))
    if not s.recv(64).startswith(b"+OK"):
        raise AssertionError("AUTH refused")
    return s


def set_command(key: bytes, value: bytes, ttl: int) -> bytes:
    ex = str(ttl).encode()
    return b"*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nEX\r\n$%d\r\n%s\r\n" % (
        len(key), key, len(value), value, len(ex), ex)


def replies(s: socket.socket, n: int) -> bytes:
    """Read `n` one-line replies (+OK / -ERR ...): counting lines counts replies."""
    buf = bytearray()
    while buf.count(b"\r\n") < n:
        chunk = s.recv(1 << 16)
        if not chunk:
            raise AssertionError("the server closed the connection")
        buf += chunk
    return bytes(buf)


def load(port: int, n: int, ttl: Any, prefix: str = "user", batch: int = 2000, value: str = VALUE) -> None:
    """Write n OTP records sms_otp:<prefix><i> pipelined; ttl(i) gives each one's TTL, `value`
    (two %d: code and phone digits) each one's JSON."""
    with connect(port) as s:
        for start in range(0, n, batch):
            stop = min(n, start + batch)
            s.sendall(b"".join(set_command(b"sms_otp:%s%09d" % (prefix.encode(), i),
                                           (value % (i % 10**6, i % 10**7)).encode(), ttl(i))
                               for i in range(start, stop)))
            got = replies(s, stop - start)
            if b"-" in got.replace(b"+OK\r\n", b""):
                raise AssertionError(f"a write was refused: {got[:200]!r}")


MARKED = '{"code":"Q%05d","phone_number":"+1555%07d"}'  # codes Q<digits>: a leak in output is easy to find


def inspect_store(srv: redisproc.Server, n: int) -> None:
    """What the inspect tests look at: n OTP records with TTLs 40..300 s (none expires while a
    module runs) and MARKED values, 50 other keys, one OTP key without a TTL, one with a longer."""
    load(srv.port, n, lambda i: 40 + i % 261, value=MARKED)
    c = srv.client()
    for i in range(50):
        c.set(f"session:{i}", "x")
    c.set("sms_otp:forever", MARKED % (11111, 1))
    c.set("sms_otp:long", MARKED % (22222, 2), ex=900)


# --- memory as the container's cgroup counts it -----------------------------------------------

def rollup(pid: int) -> dict[str, int] | None:
    """/proc/<pid>/smaps_rollup in bytes; None when the process is gone."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    out[parts[0].rstrip(":")] = int(parts[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return out or None


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


@dataclass(frozen=True)
class Sample:
    t: float
    parent_rss: int
    child_private: int  # pages the forked child copied on write (its Private_Dirty + Private_Clean)

    @property
    def charged(self) -> int:
        """Every page of both processes once: what the memory cgroup holding them counts."""
        return self.parent_rss + self.child_private


@dataclass
class Sampler:
    """Samples the server (and its forked child) every `interval` s in a thread."""

    pid: int
    interval: float = 0.003
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self._stop.is_set():
            parent = rollup(self.pid)
            if parent is None:
                break
            kids = children(self.pid)
            child = rollup(kids[0]) if kids else None
            private = (child.get("Private_Dirty", 0) + child.get("Private_Clean", 0)) if child else 0
            self.samples.append(Sample(time.monotonic() - t0, parent.get("Rss", 0), private))
            time.sleep(self.interval)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def peak(self) -> Sample:
        return max(self.samples, key=lambda s: s.charged)

    def during_fork(self) -> list[Sample]:
        return [s for s in self.samples if s.child_private > 0]
