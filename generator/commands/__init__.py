"""One module per verb of `twofa-redis` (`python -m generator`), each exporting run(args) -> int.

cli.py imports only the module of the command given, so a command pays for the imports it
needs and no more.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def root_of(args: argparse.Namespace) -> Path:
    """The project directory (--root)."""
    return Path(args.root).resolve()
