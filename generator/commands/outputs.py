"""`outputs <env>`: the Terraform module's outputs, as JSON."""

from __future__ import annotations

import argparse
import json

from generator import pipeline
from generator.commands import root_of
from generator.core import names


def run(args: argparse.Namespace) -> int:
    prepared = pipeline.prepare(root_of(args), args.env, resolve_ecr=False)  # outputs never name the registry
    print(json.dumps(names.outputs(prepared.settings), indent=2))
    return 0
