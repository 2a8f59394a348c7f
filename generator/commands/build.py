"""`build <env>`: validate, render, check, then write chart/, argocd/<env>.yaml and build/<env>/."""

from __future__ import annotations

import argparse

from generator import pipeline
from generator.commands import root_of
from generator.core.errors import UsageError
from generator.core.paths import BUILD_DIR


def run(args: argparse.Namespace) -> int:
    from generator.images import chartfetch

    timeout = chartfetch.default_timeout() if args.fetch_timeout is None else args.fetch_timeout
    if not 0 <= timeout < 3600:
        raise UsageError(f"--fetch-timeout: expected seconds from 0 (do not fetch) to 3600, got {timeout:g}")
    result = pipeline.build(root_of(args), args.env, require_subchart=args.require_subchart,
                            verify_images=args.verify_images, fetch_timeout=timeout)
    s = result.settings
    image = f"{s.ecr_registry}/{s.ecr_repository}:{s.image_tag}"
    print(f"{s.env}: settings valid; image {image}" if s.enable_redis else f"{s.env}: enable_redis is false")
    print(result.summary.line(s.env))
    files = ", ".join(sorted(result.files))
    others = "".join(f", {path}" for path in result.written)
    print(f"{s.env}: wrote chart/ ({files}){others} and {BUILD_DIR}/{s.env}/manifests.yaml")
    return 0
