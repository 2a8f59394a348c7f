"""`check`: every environment valid, rendered and checked in memory, policy rules kept, chart/ and
argocd/ up to date; writes nothing but --output."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import pipeline
from generator.check import destinations, drift, guard, policy, renders
from generator.check import report as policy_report
from generator.commands import root_of
from generator.core.errors import UsageError
from generator.core.paths import CHART_DIR
from generator.core.text import CONTROL
from generator.core.wording import plural
from generator.render import readme


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)  # progress, to stdout
    problems: list[str] = field(default_factory=list)  # failures, to stderr
    warnings: list[str] = field(default_factory=list)  # to stderr, without failing
    policy: list[policy.EnvReport] = field(default_factory=list)  # policy rules, per environment
    prepared: list[pipeline.Prepared] = field(default_factory=list)
    results: list[renders.Result] = field(default_factory=list)  # checked renders, for `--base`'s plan


def check_all(root: Path, require_subchart: bool = False, workers: int = 2) -> CheckReport:
    report = CheckReport()
    report.lines, report.problems = guard.summary(root)
    if report.problems:
        return report  # a committed password comes first, even when the settings are invalid too
    prepared = pipeline.prepare_all(root)
    if not prepared:
        raise UsageError("environments/: no environment files (add environments/<env>.yaml, like dev.yaml)")
    results = renders.render_checked(
        root, [p.settings for p in prepared], [p.env.file for p in prepared],
        password=None, require_subchart=require_subchart, workers=workers, lint_each=False,
    )
    report.prepared, report.results = prepared, results
    expected: dict[str, str] = {}
    for result in results:
        expected.update(result.files)
        report.lines.append(result.summary.line(result.settings.env))
        report.lines.extend(result.notes)
        report.policy.append(policy.evaluate(policy.context(result, root)))
    deployed = [destinations.Deployment(r.settings, p.env.file, r.objects)
                for p, r in zip(prepared, results, strict=True)]
    report.problems.extend(c.line() for c in destinations.conflicts(deployed))
    stale = drift.chart_drift(root / CHART_DIR, expected)
    report.problems.extend(stale)
    # The README's table documents the environments; Argo CD never reads it, so a stale one
    # must not turn an operator's CI red after a legitimate change: it is said, not failed.
    report.warnings.extend(readme.stale_capacity(root, [p.settings for p in prepared]))
    lines, problems = drift.applications(root, [(p.settings, p.env.file) for p in prepared])
    report.lines.extend(lines)
    report.problems.extend(problems)
    verdict = "up to date" if not stale else "STALE"
    report.lines.append(f"chart/: {plural(len(prepared), 'environment')}, generated files {verdict}")
    return report


def with_plan(document: str, fmt: str, plan: Any) -> str:
    """The policy report with the plan's findings: a second SARIF run, a `plan` key, or its text."""
    from generator.plan import report, sarif

    if fmt == "sarif":
        doc = json.loads(document)
        doc["runs"].append(sarif.run(plan))
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "json":
        doc = json.loads(document)
        doc["plan"] = report.as_dict(plan)
        doc["failed"] = bool(doc["failed"] or plan.blocked)
        return json.dumps(doc, indent=2) + "\n"
    return document + report.text(plan)


def run(args: argparse.Namespace) -> int:
    output = policy_report.output_path(args.output) if args.output else None  # before minutes of checks
    root = root_of(args)
    report = check_all(root, require_subchart=args.require_subchart, workers=args.jobs)
    document = policy_report.render(report.policy, args.format)
    plan = None
    if args.base and report.results:
        from generator.plan import make

        # The work tree's side is what check just rendered and checked: only the base is rendered.
        plan = make.make(root, args.base, (), workers=args.jobs, reuse=(report.prepared, report.results))
        document = with_plan(document, args.format, plan)
    # With a machine format on stdout, progress goes to stderr so stdout stays one document.
    progress = sys.stdout if args.format == "text" and output is None else sys.stderr
    for line in report.lines:
        print(line, file=progress)
    if output is not None:
        policy_report.write(output, document)
    else:
        sys.stdout.write(document)
    for line in (*report.warnings, *report.problems):
        # A drift diff keeps its lines; any other control character a committed file holds is
        # shown escaped, never sent to the terminal.
        print(CONTROL.sub(lambda m: m.group(0) if m.group(0) == "\n" else repr(m.group(0))[1:-1], line),
              file=sys.stderr)
    blocked = plan is not None and plan.blocked
    return 1 if report.problems or policy_report.failed(report.policy) or blocked else 0
