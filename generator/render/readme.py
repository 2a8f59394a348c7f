"""The generated parts of README.md, each between `<!-- NAME:start -->` and `<!-- NAME:end -->`:
the settings table (from the schema, `generator/commands/docs.py`) and the capacity table (from
the environments, `generator/render/memory.py`). `docs --readme` rewrites them; `check`, which
reads the committed environments, reports a stale capacity table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator.core import files, invocation
from generator.core.errors import RenderError
from generator.core.settings import Settings
from generator.render import memory

README = "README.md"
CAPACITY = "capacity"
MAX_README_BYTES = 4 << 20  # ours is ~60 KB


def read(path: Path) -> str:
    """README.md's text: a regular UTF-8 file within the bound (a FIFO or /dev/zero put in its
    place fails in one line instead of hanging or filling memory)."""
    try:
        return files.read_text(path, MAX_README_BYTES)
    except (OSError, UnicodeDecodeError) as e:
        raise RenderError(f"{path.name}: cannot read: {getattr(e, 'strerror', None) or 'not UTF-8'}") from None


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def current(text: str, name: str) -> str | None:
    """What stands between the markers of `name` (without the newline after the start marker),
    or None when the text lacks them."""
    start, end = markers(name)
    if start not in text or end not in text:
        return None
    return text.split(start, 1)[1].split(end, 1)[0].lstrip("\n")


def replaced(text: str, name: str, body: str) -> str | None:
    """`text` with `body` between the markers of `name`; None when the text lacks them."""
    start, end = markers(name)
    if start not in text or end not in text:
        return None
    before, rest = text.split(start, 1)
    return f"{before}{start}\n{body}{end}{rest.split(end, 1)[1]}"


def capacity(settings_list: Sequence[Settings]) -> str:
    return memory.capacity_table(settings_list)


def stale_capacity(root: Path, settings_list: Sequence[Settings]) -> list[str]:
    """A warning line when README.md's capacity table differs from what the environments give
    (nothing when the project has no README.md or it has no capacity markers)."""
    path = root / README
    if not path.exists():
        return []
    try:
        found = current(read(path), CAPACITY)
    except RenderError as e:  # documentation: a warning, like a stale table
        return [f"warning: {e}"]
    if found is None or found == capacity(settings_list):
        return []
    start, _ = markers(CAPACITY)
    return [f"warning: {README}: the capacity table ({start}) is stale for the environments: run "
            f"{invocation.command('docs', '--readme')} and commit README.md"]
