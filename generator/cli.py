"""Command line: parse arguments, run the command's module (generator/commands/<verb>.py), turn
errors into messages and exit codes.

Every command states its own exit codes in its --help. Across all of them 2 is bad input
(settings, arguments, environment variables) and 130 an interrupt; only a bug prints a
traceback. The program is `twofa-redis` (the console script) or `python -m generator`; help,
usage and hints name it as it was invoked (generator/core/invocation.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from generator import __version__
from generator.commands import EXIT
from generator.core import atomic, edge, invocation
from generator.core.errors import GeneratorError, UsageError
from generator.core.passwords import BACKEND_PASSWORD_VARIABLE, MIN_PASSWORD

EPILOG = f"""\
Each command's --help ends with its own exit codes; for all of them 2 means bad input (an
environment file, an argument, a password variable) and 130 an interrupt (Ctrl-C).

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
    value = float(text) if text.replace(".", "", 1).isdigit() else 0.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected seconds greater than 0 and at most 3600, got {text!r}")
    return value


def parser(prog: str | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog or invocation.prog(),
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

    def command(name: str, help: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=description, epilog=f"exit codes: {EXIT[name]}.",
                              formatter_class=_Paragraphs, parents=[after])

    b = command("build", "validate an environment (or all), render chart/, check it (helm, Kubernetes schemas)",
                "Validate environments/<env>.yaml, render chart/Chart.yaml, chart/values.yaml and "
                "chart/values-<env>.yaml and argocd/<env>.yaml, run helm lint and helm template, validate every "
                "object, then write chart/, argocd/<env>.yaml and build/<env>/manifests.yaml. Prints every image "
                "the deployment pulls and the Secrets that must exist before its pod can start. With --all, every "
                "environment is checked first and nothing is written unless all of them pass; then chart/ is "
                "swapped in once, and each build/<env>/ and argocd/<env>.yaml atomically.")
    b.add_argument("env", nargs="?", help="environment name: environments/<env>.yaml (or --all)")
    b.add_argument("--all", action="store_true", help="every environment of environments/, one summary each")
    b.add_argument("--require-subchart", action="store_true",
                   help="fail when the Bitnami archive is not in chart/charts/ (default: render our templates only)")
    b.add_argument("--verify-images", action="store_true",
                   help="also ask ECR that every image exists and that pinned digests still match (needs AWS)")
    b.add_argument("--fetch-timeout", type=float, metavar="SECONDS",
                   help="when chart/charts/ lacks the archive of chart_version, fetch it from chart_repository, "
                   "giving up after this long (default: $TWOFA_CHART_FETCH_TIMEOUT, else 15; 0: do not fetch)")

    c = command("check", "CI: every environment valid, policy rules kept, chart/ up to date",
                "Re-render every environment in memory, run the same checks as build and the policy rules (TR-*), "
                "and fail when chart/ or argocd/ is stale (the message names the build command that fixes it), "
                "any check fails, two environments deploy into one place (release, namespace, destination_server), "
                "or any error-level rule finding is not suppressed by the environment's policy_exceptions. Writes "
                "nothing but --output.")
    c.add_argument("--require-subchart", action="store_true", help="fail when the Bitnami archive is absent")
    c.add_argument("--jobs", "-j", type=_at_least_one, default=2, help="environments checked in parallel (default: 2)")
    c.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="policy report format: text (default), json, or sarif (SARIF 2.1.0, for CI annotations)")
    c.add_argument("--output", "-o", metavar="FILE", help="write the policy report to FILE (atomically) "
                   "instead of stdout")
    c.add_argument("--base", metavar="REF", help="also run `plan` against git REF (in CI the merge base) and put "
                   "its findings into the report; an unacknowledged forbidden or data-at-risk change fails check")

    o = command("outputs", "the Terraform module's outputs for an environment, as JSON",
                "Print redis_enabled, redis_host, redis_port, redis_namespace, redis_password_secret_name, "
                "redis_password_secret_key and redis_connection_url as JSON, and redis_maxmemory_bytes, "
                "redis_maxmemory_policy and redis_otp_capacity (the OTP codes maxmemory holds, usernames of up to "
                "20 characters).")
    o.add_argument("env", help="environment name")

    d = command("deps", "fetch the Bitnami chart into chart/charts/ (needs the chart registry)",
                "Run `helm dependency build` for chart/. Needs the registry named by chart_repository; offline it "
                "explains how to place the archive by hand.")
    d.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="give up on the registry after this long (default: 60)")

    pl = command("plan", "what a change will do to the running Redis, before Argo CD syncs it",
                 "Render git REF (default HEAD: what Argo CD deploys now) and the work tree, each with its own "
                 "chart_version and Bitnami archive, and classify every object (apiVersion, kind, namespace, name): "
                 "create, update, restart of Redis (with how long OTP logins pause), delete (pruned or left "
                 "running), forbidden (the API server refuses the update; with a runbook), data at risk (the PVC "
                 "holding the RDB file abandoned). Then the outputs the backend must follow, and a diff per object "
                 "(Secret data masked).")
    pl.add_argument("env", nargs="*", metavar="ENV",
                    help="environments to plan (default: every environment of either side, added and removed too)")
    pl.add_argument("--base", default="HEAD", metavar="REF",
                    help="the git revision deployed now (default: HEAD; in CI the merge base with the target branch)")
    pl.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                    help="text (default), json, or sarif (SARIF 2.1.0, for CI annotations)")
    pl.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    pl.add_argument("--jobs", "-j", type=_at_least_one, default=2, help="helm renders in parallel (default: 2)")

    sc = command("secret", "store or verify the password in AWS Secrets Manager (secret_mode external)",
                 "put: store the password (from TF_VAR_redis_password / REDIS_PASSWORD, else a prompt; at least "
                 f"{MIN_PASSWORD} characters, never echoed) under the name the ExternalSecret reads, creating or "
                 "updating it. check: verify it is there, without printing it.")
    sc.add_argument("action", choices=("put", "check"),
                    help="put: store or update the password; check: verify it is stored, without printing it")
    sc.add_argument("env", help="environment name")

    sm = command("smoke", "prove a live Redis keeps the environment's promises (auth, key schema, TTL, disabled "
                 "commands, persistence, the backend's ACL user)",
                 "Connect to the environment's Redis (the outputs' host, or --host/--port for a `kubectl "
                 "port-forward` or `local`; through Sentinel when the environment has it) and check, one line per "
                 "step: no password -> NOAUTH; a probe record written under sms_otp:{username} with SETEX and with "
                 "SET ... EX, read back, TTL in (0, otp_ttl_seconds], deleted; disabled commands refused; "
                 "persistence as configured; with acl_enabled, the backend user's commands allowed and every other "
                 "refused, as that user. The password comes from REDIS_PASSWORD or TF_VAR_redis_password (the "
                 f"backend user's from {BACKEND_PASSWORD_VARIABLE}), or with --password-from-secret from the "
                 "Secrets through kubectl.")
    _connection(sm)

    ins = command("inspect", "look at a live OTP store without hurting it: key count, TTLs, memory, evictions, saves",
                  "Count the OTP keys with SCAN (MATCH sms_otp:*, COUNT 1000; never KEYS), TTL histogram, memory "
                  "against maxmemory, evictions, last save, samples with code and phone masked; no step holds Redis "
                  "over a few ms, --max-keys/--deadline bound the walk. Connects like smoke, as the default user.")
    _connection(ins)
    for flag, kind, default, text in (("--max-keys", _at_least_one, 2_000_000, "stop after this many OTP keys"),
                                      ("--deadline", float, 30.0, "stop after this many seconds"),
                                      ("--samples", int, 3, "show this many records, masked (0-20)")):
        ins.add_argument(flag, type=kind, default=default, help=f"{text} (default: %(default)s)")

    i = command("images", "the images an environment pulls, as registry/repository:tag",
                "List every image the environment's deployment pulls (redis; the exporter when metrics are on; any "
                "helper image the chart's values turn on), read from the rendered values. --verify asks ECR "
                "whether each exists, and its digest.")
    i.add_argument("env", help="environment name")
    i.add_argument("--verify", action="store_true", help="ask ECR for each image's digest (needs AWS)")
    i.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS", help="give up on the registries "
                   "after this long, answers, tokens and redirects included (default: 30)")

    m = command("mirror", "copy the environment's images into ECR (no Docker daemon)",
                "For each image: skip it when its tag is in ECR, otherwise copy it from its source "
                "(images.<name>.source, default docker.io/bitnami/<name>:<version>) into ecr_repository under the "
                "environment's tag, every platform, byte for byte, through the registry API. Re-run after a "
                "failure to finish: blobs already in ECR are not sent again. Plain HTTP is used only for a registry "
                "on a loopback address; every other host is HTTPS.")
    m.add_argument("env", help="environment name")
    m.add_argument("--dry-run", action="store_true", help="show what would be copied; copy nothing")
    m.add_argument("--pin", action="store_true",
                   help="write the digests in ECR into environments/<env>.yaml (images.<name>.digest), so the "
                   "deployment pulls exactly those bytes")
    m.add_argument("--jobs", "-j", type=_at_least_one, default=4, help="blobs copied in parallel (default: 4)")
    m.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS", help="give up on a registry after "
                   "this long, per image (default: 30; a blob copy gets more time with its size)")

    t = command("docs", "print the settings table (from schemas/values.schema.json) as Markdown",
                "Print every setting of an environment file (name, type, default, description) as the Markdown "
                "table README.md carries between its settings markers.")
    t.add_argument("--readme", action="store_true",
                   help="rewrite the table in README.md (between <!-- settings:start/end -->) instead of printing it")

    lo = command("local", "run the environment's rendered Redis on 127.0.0.1, for debugging",
                 "Start redis-server on 127.0.0.1 with the environment's rendered configuration (the subchart's "
                 "ConfigMap, or our equivalent without the archive; the backend ACL user with acl_enabled), data in "
                 "a private temporary directory, and print how to connect and how to point `smoke` at it. The "
                 "password is REDIS_PASSWORD (or TF_VAR_redis_password) when set, else generated and printed once; "
                 f"the backend user's likewise from {BACKEND_PASSWORD_VARIABLE}. Ctrl-C stops it and removes the "
                 "data. Never listens beyond the loopback address.")
    lo.add_argument("env", help="environment name")
    lo.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    return p


def _connection(p: argparse.ArgumentParser) -> None:  # where and how smoke and inspect connect
    p.add_argument("env", help="environment name")
    p.add_argument("--host", help="connect here instead of the outputs' redis_host (e.g. 127.0.0.1)")
    p.add_argument("--port", type=int, help="connect to this port (the Sentinel port when the environment has "
                   "Sentinel, unless --direct)")
    p.add_argument("--direct", action="store_true",
                   help="with Sentinel: talk to --host/--port as the master, without asking Sentinel")
    p.add_argument("--timeout", type=float, default=5.0,
                   help="seconds each step may take, every network call and answer of it included (default: 5)")
    p.add_argument("--password-from-secret", action="store_true",
                   help="read the passwords from the environment's Secrets with kubectl (current context)")
    p.add_argument("--json", action="store_true", help="print a JSON report instead of lines")


def main(argv: Sequence[str] | None = None) -> int:
    started = time.monotonic() - (edge.process_age() if argv is None else 0.0)
    if argv is None:
        invocation.start(sys.argv[0])
    args = parser().parse_args(argv)
    args.started = started  # where a command's --timeout starts counting
    atomic.WRITTEN.clear()
    try:
        if args.command == "build" and (args.all == bool(args.env)):
            raise UsageError("build: give one environment name or --all, not both" if args.all else
                             "build: give an environment name, or --all for every environment")
        with edge.unwinding():
            command: Any = invocation.load(f"generator.commands.{args.command}")
            return int(command.run(args))
    except GeneratorError as e:
        for line in e.lines():
            edge.say(line)
        return e.exit_code
    except KeyboardInterrupt as e:
        return edge.interrupted(e, atomic.WRITTEN)
