"""`secret put|check <env>`: the password in AWS Secrets Manager (secret_mode external)."""

from __future__ import annotations

import argparse

from generator.commands import root_of
from generator.secrets import store as secretstore


def run(args: argparse.Namespace) -> int:
    root = root_of(args)
    if args.action == "put":
        print(secretstore.put(root, args.env))
    else:
        print(secretstore.check(root, args.env))
    return 0
