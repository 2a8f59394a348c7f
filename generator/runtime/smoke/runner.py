"""Run the steps of `smoke` in order; stop at the first that fails. Every step says what it
expected and what came back."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import redis

from generator.core import passwords
from generator.core.settings import Settings
from generator.core.text import one_line
from generator.runtime import keyschema
from generator.runtime.smoke import backend, steps
from generator.runtime.smoke.target import Broken, Target


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    expected: str
    got: str
    ms: float

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        detail = self.got if self.ok else f"expected {self.expected}; got {self.got}"
        return f"{mark} {self.name}: {detail} [{self.ms:.0f} ms]"


@dataclass
class SmokeReport:
    env: str
    target: str
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    def as_json(self) -> dict[str, Any]:
        return {"env": self.env, "target": self.target, "ok": self.ok, "seconds": round(self.seconds, 3),
                "steps": [{**asdict(s), "ms": round(s.ms, 1)} for s in self.steps]}


def _one(name: str, step: steps.Step, session: steps.Session) -> StepResult:
    """One step within its budget. What the peer sent back is scrubbed of the password before
    it reaches a report: a server may echo the AUTH argument in its error, or anywhere."""
    t0 = time.monotonic()
    session.budget.start()
    ok, expected, got = False, "", ""
    try:
        ok, got = True, step(session)
    except Broken as e:
        expected, got = e.expected, e.got
    except (redis.RedisError, OSError, UnicodeError) as e:  # OSError, UnicodeError: a host the resolver refuses
        expected, got = "an answer from Redis", f"{type(e).__name__}: {e}"
    except keyschema.KeySchemaError as e:
        expected, got = "a record that follows the key schema", str(e)
    clean = [one_line(passwords.scrub(text, session.target.password)) for text in (expected, got)]
    return StepResult(name, ok, clean[0], clean[1], (time.monotonic() - t0) * 1000)


def plan(settings: Settings, target: Target) -> list[tuple[str, steps.Step]]:
    """The steps for this environment, in order, by the names the report shows."""
    s: list[tuple[str, steps.Step]] = [("reachable", steps.reachable)]
    if target.sentinel_port is not None:
        s.append(("sentinel", steps.sentinel_master))
    s += [("noauth", steps.noauth), ("auth", steps.auth), ("write", steps.write), ("read", steps.read),
          ("ttl", steps.ttl_left), ("delete", steps.delete), ("disabled-commands", steps.disabled),
          ("persistence", steps.persistence)]
    if settings.acl_enabled:
        s += [("acl", backend.acl_rules), ("backend-user", backend.backend_user)]
    return s


def probe(settings: Settings, target: Target, say: Callable[[StepResult], None] = lambda s: None) -> SmokeReport:
    """Every step against `target`, each reported to `say` as it ends; stops at the first broken one."""
    shown = f"{target.host}:{target.port}" + (f" (Sentinel, master set {target.master_set})"
                                              if target.sentinel_port else "")
    report = SmokeReport(settings.env, shown)
    started = time.monotonic()
    session = steps.Session.start(settings, target)
    try:
        for name, step in plan(settings, target):
            result = _one(name, step, session)
            report.steps.append(result)
            say(result)
            if not result.ok:
                break
    finally:
        report.seconds = time.monotonic() - started
        if session.client is not None:
            session.client.close()
    return report
