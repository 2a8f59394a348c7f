"""Command line: parse arguments, run the command's module (generator/commands/<verb>.py), turn
errors into messages and exit codes.

Exit codes: 0 success; 1 a check failed (stale chart/, invalid manifests, helm failure);
2 bad input (settings, arguments, environment variables). Only a bug prints a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

from generator import __version__
from generator.core import atomic, passwords
from generator.core.errors import GeneratorError, Interrupted
from generator.core.passwords import MIN_PASSWORD
from generator.core.text import one_line

EPILOG = f"""\
exit codes: 0 ok; 1 a check failed (stale chart/, invalid manifests, a failed helm call);
2 bad input (an environment file, an argument, the password variable).

The Redis password is never a setting. secret_mode says how it reaches the cluster: existing
(a Secret made out of band), external (an ExternalSecret reading AWS Secrets Manager, filled by
`secret put`), or render: build reads TF_VAR_redis_password or REDIS_PASSWORD (at least {MIN_PASSWORD}
characters) and writes the Secret only into the git-ignored build/<env>/manifests.yaml (mode
0600). chart/, environments/ and argocd/ never contain it, and check fails if they do.
"""


class _Paragraphs(argparse.HelpFormatter):
    """Wraps each paragraph of a description or epilog on its own, keeping blank lines between."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(super(_Paragraphs, self)._fill_text(p, width, indent) for p in text.split("\n\n"))


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected seconds greater than 0 and at most 3600, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m generator",
        description="Render, check and operate the SMS OTP Redis of the 2FA backend, one environment at a time.",
        epilog=EPILOG,
        formatter_class=_Paragraphs,
    )
    root_help = "project directory holding environments/ and chart/ (default: .)"
    p.add_argument("--root", default=".", help=root_help)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # --root after the command too (`build dev --root PROJECT`); unset there, the one before it holds.
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--root", default=argparse.SUPPRESS, help=root_help)
    common: dict[str, Any] = {"epilog": EPILOG, "formatter_class": _Paragraphs, "parents": [after]}

    b = sub.add_parser("build", **common,
                       help="validate an environment, render chart/, check it (helm, Kubernetes schemas)",
                       description="Validate environments/<env>.yaml, render chart/Chart.yaml, chart/values.yaml and "
                       "chart/values-<env>.yaml, run helm lint and helm template, validate every object, then write "
                       "chart/ and build/<env>/manifests.yaml atomically. Nothing is written when any step fails.")
    b.add_argument("env", help="environment name: environments/<env>.yaml")
    b.add_argument("--require-subchart", action="store_true",
                   help="fail when the Bitnami archive is not in chart/charts/ (default: render our templates only)")
    b.add_argument("--verify-images", action="store_true",
                   help="also ask ECR that every image exists and that pinned digests still match (needs AWS)")
    b.add_argument("--fetch-timeout", type=float, metavar="SECONDS",
                   help="when chart/charts/ lacks the archive of chart_version, fetch it from chart_repository, "
                   "giving up after this long (default: $TWOFA_CHART_FETCH_TIMEOUT, else 15; 0: do not fetch)")

    c = sub.add_parser("check", **common, help="CI: every environment valid, policy rules kept, chart/ up to date",
                       description="Re-render every environment in memory, run the same checks as build and the "
                       "policy rules (TR-*), and fail (exit 1) when chart/ is stale, any check fails or any "
                       "error-level rule finding is not suppressed by the environment's policy_exceptions. "
                       "Writes nothing but --output.")
    c.add_argument("--require-subchart", action="store_true", help="fail when the Bitnami archive is absent")
    c.add_argument("--jobs", "-j", type=_at_least_one, default=2, help="environments checked in parallel (default: 2)")
    c.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="policy report format: text (default), json, or sarif (SARIF 2.1.0, for CI annotations)")
    c.add_argument("--output", "-o", metavar="FILE", help="write the policy report to FILE (atomically) "
                   "instead of stdout")

    o = sub.add_parser("outputs", **common, help="the Terraform module's outputs for an environment, as JSON",
                       description="Print redis_enabled, redis_host, redis_port, redis_namespace, "
                       "redis_password_secret_name, redis_password_secret_key and redis_connection_url as JSON.")
    o.add_argument("env", help="environment name")

    d = sub.add_parser("deps", **common, help="fetch the Bitnami chart into chart/charts/ (needs the chart registry)",
                       description="Run `helm dependency build` for chart/. Needs the registry named by "
                       "chart_repository; offline it explains how to place the archive by hand.")
    d.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="give up on the registry after this long (default: 60)")

    df = sub.add_parser("diff", **common, help="what a change to an environment changes in the rendered objects",
                        description="Render chart/ of the last commit (as its argocd/<env>.yaml tells Argo CD) and "
                        "environments/ as they are now, and print a unified diff per object (apiVersion, kind, "
                        "namespace, name), Secret data masked. For pull request reviews.")
    df.add_argument("env", help="environment name")

    sc = sub.add_parser("secret", **common,
                        help="store or verify the password in AWS Secrets Manager (secret_mode external)",
                        description="put: store the password (from TF_VAR_redis_password / REDIS_PASSWORD, else a "
                        f"prompt; at least {MIN_PASSWORD} characters, never echoed) under the name the ExternalSecret "
                        "reads, creating or updating it. check: verify it is there, without printing it.")
    sc.add_argument("action", choices=("put", "check"),
                    help="put: store or update the password; check: verify it is stored, without printing it")
    sc.add_argument("env", help="environment name")

    sm = sub.add_parser("smoke", **common,
                        help="prove a live Redis keeps the environment's promises (auth, key schema, TTL, "
                        "disabled commands, persistence)",
                        description="Connect to the environment's Redis (the outputs' host, or --host/--port for a "
                        "`kubectl port-forward`; through Sentinel when the environment has it) and check, one line per "
                        "step: no password -> NOAUTH; a probe record written under sms_otp:{username} with its TTL, "
                        "read back, TTL in (0, otp_ttl_seconds], deleted; disabled commands refused; persistence as "
                        "configured. Exit 1 at the first broken promise. The password comes from REDIS_PASSWORD or "
                        "TF_VAR_redis_password, or with --password-from-secret from the Secret through kubectl.")
    sm.add_argument("env", help="environment name")
    sm.add_argument("--host", help="connect here instead of the outputs' redis_host (e.g. 127.0.0.1)")
    sm.add_argument("--port", type=int, help="connect to this port (the Sentinel port when the environment has "
                    "Sentinel, unless --direct)")
    sm.add_argument("--direct", action="store_true",
                    help="with Sentinel: talk to --host/--port as the master, without asking Sentinel")
    sm.add_argument("--timeout", type=float, default=5.0,
                    help="seconds each step may take, every network call and answer of it included (default: 5)")
    sm.add_argument("--password-from-secret", action="store_true",
                    help="read the password from the environment's Secret with kubectl (current context)")
    sm.add_argument("--json", action="store_true", help="print a JSON report instead of lines")

    i = sub.add_parser("images", **common, help="the images an environment pulls, as registry/repository:tag",
                       description="List every image the environment's deployment pulls (redis; the exporter when "
                       "metrics are on; any helper image the chart's values turn on), read from the rendered values. "
                       "--verify asks ECR whether each exists, and its digest; exit 1 when one is missing or a "
                       "pinned digest no longer matches.")
    i.add_argument("env", help="environment name")
    i.add_argument("--verify", action="store_true", help="ask ECR for each image's digest (needs AWS)")
    i.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS",
                   help="give up on a registry request (its answer, token and redirects included) after this "
                   "long (default: 30)")

    m = sub.add_parser("mirror", **common, help="copy the environment's images into ECR (no Docker daemon)",
                       description="For each image: skip it when its tag is in ECR, otherwise copy it from its source "
                       "(images.<name>.source, default docker.io/bitnami/<name>:<version>) into ecr_repository under "
                       "the environment's tag, every platform, byte for byte, through the registry API. Re-run after "
                       "a failure to finish: blobs already in ECR are not sent again. Exit 1 when any image failed. "
                       "Plain HTTP is used only for a registry on a loopback address; every other host is HTTPS.")
    m.add_argument("env", help="environment name")
    m.add_argument("--dry-run", action="store_true", help="show what would be copied; copy nothing")
    m.add_argument("--pin", action="store_true",
                   help="write the digests in ECR into environments/<env>.yaml (images.<name>.digest), so the "
                   "deployment pulls exactly those bytes")
    m.add_argument("--jobs", "-j", type=_at_least_one, default=4, help="blobs copied in parallel (default: 4)")
    m.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS",
                   help="give up on a registry request after this long (default: 30; a blob upload gets more time "
                   "with its size)")

    t = sub.add_parser("docs", **common, help="print the settings table (from schemas/values.schema.json) as Markdown",
                       description="Print every setting of an environment file (name, type, default, description) "
                       "as the Markdown table README.md carries between its settings markers.")
    t.add_argument("--readme", action="store_true",
                   help="rewrite the table in README.md (between <!-- settings:start/end -->) instead of printing it")
    return p


UNWOUND = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _raise(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def _unwinding() -> Iterator[None]:
    """SIGTERM and SIGHUP (a CI job cancelled, a terminal closed) unwind like Ctrl-C: every
    staged directory and temporary file is removed on the way out. Python's default for them is
    to die on the spot, leaving staging behind."""
    previous = {s: signal.signal(s, _raise) for s in UNWOUND}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _say(line: str) -> None:
    """One error line as it reaches the terminal: on one line, control characters escaped, and
    the password scrubbed (a peer's answer or a tool's stderr may carry it)."""
    for password in passwords.supplied():
        line = passwords.scrub(line, password)
    print(one_line(line), file=sys.stderr)


def _process_age() -> float:
    """Seconds since this process started (Linux /proc; 0 elsewhere): a command's --timeout
    counts from there, interpreter start-up and imports included."""
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # starttime: field 22, counted after the "(comm)" field
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def main(argv: Sequence[str] | None = None) -> int:
    started = time.monotonic() - (_process_age() if argv is None else 0.0)
    args = parser().parse_args(argv)
    args.started = started  # where a command's --timeout starts counting
    atomic.WRITTEN.clear()
    try:
        with _unwinding():
            command = importlib.import_module(f"generator.commands.{args.command}")
            return int(command.run(args))
    except GeneratorError as e:
        for line in e.lines():
            _say(line)
        return e.exit_code
    except KeyboardInterrupt as e:
        signum = e.signum if isinstance(e, Interrupted) else signal.SIGINT
        done = atomic.WRITTEN
        _say("error: interrupted; " + (f"{', '.join(done)} had been written" if done else "nothing was written"))
        return 128 + int(signum)
