"""One module per verb of `twofa-redis` (`python -m generator`), each exporting run(args) -> int.

cli.py imports only the module of the command given, so a command pays for the imports it
needs and no more.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def root_of(args: argparse.Namespace) -> Path:
    """The project directory (--root); one with a control character in its name is refused (it
    could not be named in a message, nor in the Argo CD Application, without being altered)."""
    from generator.core.errors import UsageError
    from generator.core.text import control_character, shown

    bad = control_character(str(args.root))
    if bad is not None:
        raise UsageError(f"--root: {shown(args.root)} contains a control character {bad}; rename the directory")
    return Path(args.root).resolve()
