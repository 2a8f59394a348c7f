"""`diff <env>`: what a change to an environment changes in the rendered objects."""

from __future__ import annotations

import argparse

from generator import objdiff
from generator.commands import root_of


def run(args: argparse.Namespace) -> int:
    text = objdiff.run(root_of(args), args.env)
    if text:
        print(text, end="")
    else:
        print(f"{args.env}: no change to the rendered objects")
    return 0
