"""`images <env> [--verify]`: every image the deployment pulls; with --verify, whether ECR has it."""

from __future__ import annotations

import argparse
import sys

from generator import pipeline
from generator.commands import root_of
from generator.core import invocation
from generator.core.wording import plural


def run(args: argparse.Namespace) -> int:
    settings = pipeline.prepare(root_of(args), args.env).settings
    if not args.verify:
        from generator.images import chartmirror
        from generator.images import listing as images

        for image in images.images(settings):
            print(image.ref + (f"@{image.digest}" if image.digest else ""))
        print(chartmirror.listed(settings))  # the chart Argo CD pulls
        return 0
    from generator.images import chartmirror, deadline, mirror

    with deadline.budget(args.timeout, args.started):
        checked = mirror.verify(settings, args.timeout)
    for item in checked:
        print(item.line())
    chart = chartmirror.verify(settings)
    print(chart.line())
    bad = [v for v in checked if v.problem]
    if bad or chart.problem:
        pin = " --pin" if any(v.image.digest for v in bad) else ""
        what = [f"{len(bad)} of {plural(len(checked), 'image')}"] if bad else []
        what += ["the chart"] if chart.problem else []
        print(f"error: {' and '.join(what)} not as expected in ECR; "
              f"run {invocation.command('mirror', args.env + pin)}", file=sys.stderr)
        return 1
    return 0
