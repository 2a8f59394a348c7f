"""`mirror <env> [--dry-run] [--pin]`: copy the environment's images into ECR, no Docker daemon."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from generator import pipeline
from generator.commands import root_of
from generator.core import invocation
from generator.core.wording import plural
from generator.images import chartmirror, deadline, mirror


def run(args: argparse.Namespace) -> int:
    with deadline.budget(args.timeout, args.started):  # a hostile registry holds us no longer than --timeout
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    root = root_of(args)
    prepared = pipeline.prepare(root, args.env)
    settings = prepared.settings
    progress = terminal_progress() if sys.stderr.isatty() else None
    try:
        outcomes = mirror.mirror(settings, dry_run=args.dry_run, progress=progress, workers=args.jobs,
                                 siblings=mirror.sibling_repositories(root, settings), timeout=args.timeout)
    except KeyboardInterrupt as e:
        print(f"\nerror: interrupted; run {invocation.command('mirror', args.env)} again to finish "
              "(blobs already in ECR are not sent again; a tag appears only once its image is complete)",
              file=sys.stderr)
        return 128 + int(getattr(e, "signum", 2))
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    if not outcomes:
        print(f"{args.env}: enable_redis is false: no images to mirror")
    for outcome in outcomes:
        print(outcome.line(), file=sys.stderr if outcome.status == mirror.FAILED else sys.stdout)
    chart = chartmirror.mirror(settings, dry_run=args.dry_run)
    print(chart.line(), file=sys.stderr if chart.status == chartmirror.FAILED else sys.stdout)
    failed = [o for o in outcomes if o.status == mirror.FAILED]
    if failed or chart.status == chartmirror.FAILED:
        what = [f"{len(failed)} of {plural(len(outcomes), 'image')}"] if failed else []
        print(f"error: {' and '.join([*what, 'the chart'] if chart.status == chartmirror.FAILED else what)} "
              "failed to mirror; re-run to finish (blobs already copied are not sent again)", file=sys.stderr)
        return 1
    if args.pin and not args.dry_run:
        deadline.renew(args.timeout)
        mirror.pin(root, prepared.env.file, mirror.pinned(settings, outcomes, args.timeout))
        print(f"{args.env}: pinned {plural(len(outcomes), 'digest')} in {prepared.env.file}; "
              f"run {invocation.command('build', args.env)} to render them")
        if chart.status in (chartmirror.COPIED, chartmirror.SKIPPED):
            digest = chartmirror.computed_digest(settings)
            files = chartmirror.write_pin(root, digest)
            print(f"{args.env}: chart_digest {digest} (computed from the archive in ECR) "
                  + (f"written to {', '.join(files)}" if files else "already pinned"))
    return 0


def terminal_progress() -> Callable[[str, int, int], None]:
    """Bytes per blob on one terminal line (stderr), at most ten updates a second."""
    last = [0.0]

    def show(digest: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.1:
            return
        last[0] = now
        print(f"\r\033[K  {digest[7:19]}  {done / 1e6:8.1f} / {total / 1e6:.1f} MB", end="", file=sys.stderr,
              flush=True)

    return show
