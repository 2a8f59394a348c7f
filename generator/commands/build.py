"""`build <env>` / `build --all`: validate, render, check, then write chart/, argocd/<env>.yaml
and build/<env>/, and say per environment what the deployment pulls and needs."""

from __future__ import annotations

import argparse

from generator import pipeline
from generator.commands import root_of
from generator.core.errors import UsageError
from generator.core.paths import BUILD_DIR
from generator.core.wording import plural
from generator.images import listing
from generator.load import discovery
from generator.secrets import mode as secretmode


def run(args: argparse.Namespace) -> int:
    from generator.images import chartfetch

    timeout = chartfetch.default_timeout() if args.fetch_timeout is None else args.fetch_timeout
    if not 0 <= timeout < 3600:
        raise UsageError(f"--fetch-timeout: expected seconds from 0 (do not fetch) to 3600, got {timeout:g}")
    if args.all and not discovery.known_environments(root_of(args)):
        raise UsageError("environments/: no environment files (add environments/<env>.yaml, like dev.yaml)")
    results = pipeline.build(root_of(args), None if args.all else args.env, require_subchart=args.require_subchart,
                             verify_images=args.verify_images, fetch_timeout=timeout)
    for result in results:
        s = result.settings
        if not s.enable_redis:
            print(f"{s.env}: settings valid; enable_redis is false: nothing is deployed")
        else:
            pulled = listing.images(s)
            print(f"{s.env}: settings valid; pulls {plural(len(pulled), 'image')}:")
            for image in pulled:
                print(f"{s.env}:   {image.name}: {image.ref}" + (f"@{image.digest}" if image.digest else ""))
        for line in result.notes:
            print(line)
        print(result.summary.line(s.env))
        for line in secretmode.secrets_needed(s):
            print(line)
        files = ", ".join(sorted(result.files))
        others = "".join(f", {path}" for path in result.written)
        print(f"{s.env}: wrote chart/ ({files}){others} and {BUILD_DIR}/{s.env}/manifests.yaml")
    if args.all:
        print(f"built {plural(len(results), 'environment')}: {', '.join(r.settings.env for r in results)}")
    return 0
