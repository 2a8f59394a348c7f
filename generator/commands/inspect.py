"""`inspect <env>`: the OTP keys, their TTLs, memory and the last save of a live Redis, without
hurting it (generator/runtime/inspect.py)."""

from __future__ import annotations

import argparse
import json

from generator import pipeline
from generator.commands import root_of
from generator.core.errors import UsageError
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
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print("\n".join(inspect.text(report)))
    return 0
