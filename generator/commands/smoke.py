"""`smoke <env>`: prove a live Redis keeps the environment's promises, one line per step."""

from __future__ import annotations

import argparse
import json

from generator import pipeline
from generator.commands import root_of
from generator.core.errors import SmokeError
from generator.runtime.smoke import runner, target


def run(args: argparse.Namespace) -> int:
    settings = pipeline.prepare(root_of(args), args.env).settings
    where = target.from_options(settings, args.host, args.port, args.timeout, args.direct, args.password_from_secret)
    say = (lambda step: None) if args.json else (lambda step: print(step.line(), flush=True))
    report = runner.probe(settings, where, say)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return 0 if report.ok else 1
    print(f"{settings.env}: {len(report.steps)} steps against {report.target} in {report.seconds:.2f} s: "
          + ("ok" if report.ok else "FAILED"))
    if not report.ok:
        bad = report.steps[-1]
        raise SmokeError(f"smoke {settings.env}: {bad.name}: expected {bad.expected}; got {bad.got}")
    return 0
