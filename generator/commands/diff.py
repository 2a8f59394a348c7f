"""`diff <env>`: what a change to an environment changes in the rendered objects."""

from __future__ import annotations

import argparse

from generator.commands import root_of
from generator.plan import diff


def run(args: argparse.Namespace) -> int:
    text = diff.object_diff(root_of(args), args.env)
    if text:
        print(text, end="")
    else:
        print(f"{args.env}: no change to the rendered objects")
    return 0
