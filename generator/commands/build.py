"""`build <env>`: validate, render, check, then write chart/, argocd/<env>.yaml and build/<env>/."""

from __future__ import annotations

import argparse

from generator import pipeline
from generator.commands import root_of
from generator.core.paths import BUILD_DIR


def run(args: argparse.Namespace) -> int:
    result = pipeline.build(root_of(args), args.env, require_subchart=args.require_subchart,
                            verify_images=args.verify_images)
    s = result.settings
    image = f"{s.ecr_registry}/{s.ecr_repository}:{s.image_tag}"
    print(f"{s.env}: settings valid; image {image}" if s.enable_redis else f"{s.env}: enable_redis is false")
    print(result.summary.line(s.env))
    files = ", ".join(sorted(result.files))
    others = "".join(f", {path}" for path in result.written)
    print(f"{s.env}: wrote chart/ ({files}){others} and {BUILD_DIR}/{s.env}/manifests.yaml")
    return 0
