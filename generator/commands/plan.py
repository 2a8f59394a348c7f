"""`plan [ENV ...] [--base REF]`: what syncing the work tree does to what REF deploys."""

from __future__ import annotations

import argparse
import sys

from generator.check import report as policy_report
from generator.commands import root_of
from generator.plan import make, report, sarif


def render(plan: make.Plan, fmt: str) -> str:
    if fmt == "json":
        return report.as_json(plan)
    if fmt == "sarif":
        return sarif.sarif(plan)
    return report.text(plan)


def run(args: argparse.Namespace) -> int:
    output = policy_report.output_path(args.output) if args.output else None  # before the renders
    plan = make.make(root_of(args), args.base, args.env, workers=args.jobs)
    document = render(plan, args.format)
    if output is not None:
        policy_report.write(output, document)
        if args.format != "text":
            print(report.text(plan, details=False), end="", file=sys.stderr)
    else:
        sys.stdout.write(document)
    return 1 if plan.blocked else 0
