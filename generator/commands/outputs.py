"""`outputs <env>`: the Terraform module's outputs, as JSON, and what the store holds
(maxmemory, its policy, the OTP codes that fit: generator/render/memory.py)."""

from __future__ import annotations

import argparse
import json

from generator import pipeline
from generator.commands import root_of
from generator.core import names
from generator.render import memory


def run(args: argparse.Namespace) -> int:
    prepared = pipeline.prepare(root_of(args), args.env, resolve_ecr=False)  # outputs never name the registry
    print(json.dumps({**names.outputs(prepared.settings), **memory.outputs(prepared.settings)}, indent=2))
    return 0
