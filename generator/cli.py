"""Command line: parse arguments, call the pipeline, turn errors into messages and exit codes.

Exit codes: 0 success; 1 a check failed (stale chart/, invalid manifests, helm failure);
2 bad input (settings, arguments, environment variables). Only a bug prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator import __version__
from generator.errors import GeneratorError

EPILOG = """\
exit codes: 0 ok; 1 a check failed (stale chart/, invalid manifests, a failed helm call);
2 bad input (an environment file, an argument, the password variable).

The Redis password is never a setting: build reads it from TF_VAR_redis_password or
REDIS_PASSWORD (at least 8 characters) and then writes the Secret only into the git-ignored
build/<env>/manifests.yaml (mode 0600); chart/ never contains it.
"""


def _root(args: argparse.Namespace) -> Path:
    return Path(args.root).resolve()


def cmd_build(args: argparse.Namespace) -> int:
    from generator import pipeline

    root = _root(args)
    result = pipeline.build(root, args.env, require_subchart=args.require_subchart)
    s = result.settings
    image = f"{s.ecr_registry}/{s.ecr_repository}:{s.image_tag}"
    print(f"{s.env}: settings valid; image {image}" if s.enable_redis else f"{s.env}: enable_redis is false")
    print(result.summary.line(s.env))
    files = ", ".join(sorted(result.files))
    print(f"{s.env}: wrote chart/ ({files}) and {pipeline.BUILD_DIR}/{s.env}/manifests.yaml")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from generator import check

    report = check.run(_root(args), require_subchart=args.require_subchart, workers=args.jobs)
    for line in report.lines:
        print(line)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    return 1 if report.problems else 0


def cmd_outputs(args: argparse.Namespace) -> int:
    from generator import naming, pipeline

    prepared = pipeline.prepare(_root(args), args.env)
    print(json.dumps(naming.outputs(prepared.settings), indent=2))
    return 0


def cmd_deps(args: argparse.Namespace) -> int:
    from generator import deps

    print(deps.build(_root(args), timeout=args.timeout))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from generator import docs

    if args.readme:
        changed = docs.update_readme(_root(args) / "README.md")
        print("README.md: settings table " + ("updated" if changed else "already up to date"))
    else:
        print(docs.table(), end="")
    return 0


class _Paragraphs(argparse.HelpFormatter):
    """Wraps each paragraph of a description or epilog on its own, keeping blank lines between."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(super(_Paragraphs, self)._fill_text(p, width, indent) for p in text.split("\n\n"))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m generator",
        description="Render, check and operate the SMS OTP Redis of the 2FA backend, one environment at a time.",
        epilog=EPILOG,
        formatter_class=_Paragraphs,
    )
    p.add_argument("--root", default=".", help="project directory holding environments/ and chart/ (default: .)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common: dict[str, Any] = {"epilog": EPILOG, "formatter_class": _Paragraphs}

    b = sub.add_parser("build", **common,
                       help="validate an environment, render chart/, check it (helm, Kubernetes schemas)",
                       description="Validate environments/<env>.yaml, render chart/Chart.yaml, chart/values.yaml and "
                       "chart/values-<env>.yaml, run helm lint and helm template, validate every object, then write "
                       "chart/ and build/<env>/manifests.yaml atomically. Nothing is written when any step fails.")
    b.add_argument("env", help="environment name: environments/<env>.yaml")
    b.add_argument("--require-subchart", action="store_true",
                   help="fail when the Bitnami archive is not in chart/charts/ (default: render our templates only)")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", **common, help="CI: every environment valid and chart/ up to date; writes nothing",
                       description="Re-render every environment in memory, run the same checks as build, and fail "
                       "(exit 1, with a diff) when chart/ is stale or any check fails. Writes nothing.")
    c.add_argument("--require-subchart", action="store_true", help="fail when the Bitnami archive is absent")
    c.add_argument("--jobs", "-j", type=int, default=2, help="environments checked in parallel (default: 2)")
    c.set_defaults(func=cmd_check)

    o = sub.add_parser("outputs", **common, help="the Terraform module's outputs for an environment, as JSON",
                       description="Print redis_enabled, redis_host, redis_port, redis_namespace, "
                       "redis_password_secret_name, redis_password_secret_key and redis_connection_url as JSON.")
    o.add_argument("env", help="environment name")
    o.set_defaults(func=cmd_outputs)

    d = sub.add_parser("deps", **common, help="fetch the Bitnami chart into chart/charts/ (needs the chart registry)",
                       description="Run `helm dependency build` for chart/. Needs the registry named by "
                       "chart_repository; offline it explains how to place the archive by hand.")
    d.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="give up on the registry after this long (default: 60)")
    d.set_defaults(func=cmd_deps)

    t = sub.add_parser("docs", **common, help="print the settings table (from schemas/values.schema.json) as Markdown",
                       description="Print every setting of an environment file (name, type, default, description) "
                       "as the Markdown table README.md carries between its settings markers.")
    t.add_argument("--readme", action="store_true",
                   help="rewrite the table in README.md (between <!-- settings:start/end -->) instead of printing it")
    t.set_defaults(func=cmd_docs)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except GeneratorError as e:
        for line in e.lines():
            print(line, file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
