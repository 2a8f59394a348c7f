"""Render the generated files of chart/ and write them atomically.

Jinja2 renders data files only (Chart.yaml, values files); our Helm templates are written by
hand in chart/templates/, so no Go template is ever produced by a Jinja2 template.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from generator.environment import COMMON_FILE, ENV_DIR
from generator.errors import RenderError
from generator.settings import Settings
from generator.values import chart_values, env_values

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHART_DIR = "chart"


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literal blocks: a diff-friendly, stable layout."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def to_yaml(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=1000,
                     allow_unicode=True).rstrip("\n")


@functools.cache
def _jinja() -> Any:
    import jinja2  # imported here: only rendering needs it

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["to_yaml"] = to_yaml
    return env


def render_template(name: str, **context: Any) -> str:
    import jinja2

    try:
        return str(_jinja().get_template(name).render(**context))
    except jinja2.TemplateError as e:
        line = getattr(e, "lineno", None)
        where = f"{name}:{line}" if line else name
        raise RenderError(f"generator/templates/{where}: {e}") from e


def chart_files(settings: Settings, env_file: str) -> dict[str, str]:
    """The generated files one environment's build writes, by path relative to chart/."""
    sources = [f"{ENV_DIR}/{COMMON_FILE}", env_file]
    return {
        "Chart.yaml": render_template(
            "Chart.yaml.j2", chart_version=settings.chart_version, chart_repository=settings.chart_repository
        ),
        "values.yaml": render_template("values.yaml.j2"),
        f"values-{settings.env}.yaml": render_template(
            "values-env.yaml.j2", env=settings.env, sources=sources, values=env_values(settings)
        ),
    }



def redis_values(settings: Settings) -> dict[str, Any]:
    """What the Bitnami subchart receives for one environment (the `redis:` section)."""
    files = chart_files(settings, f"{ENV_DIR}/{settings.env}.yaml")
    redis: dict[str, Any] = chart_values(files, settings.env).get("redis") or {}
    return redis

# --- atomic output -------------------------------------------------------------------------

_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2). False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(rc == 0)


@contextlib.contextmanager
def staged_copy(directory: Path) -> Iterator[Path]:
    """A private copy of `directory` next to it, removed on exit unless committed by `replace`."""
    stage = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        target = stage / directory.name
        if directory.exists():
            shutil.copytree(directory, target, symlinks=True)
        else:
            target.mkdir()
        yield target
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def write_files(directory: Path, files: Mapping[str, str], mode: int = 0o644) -> None:
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(path, mode)


def replace(staged: Path, directory: Path) -> None:
    """Put a staged directory in place of `directory`: atomically where the kernel allows.
    The previous tree is left at `staged`, so calling it again undoes it."""
    try:
        if directory.exists() and _exchange(staged, directory):
            return  # the old tree is now at `staged`, and staged_copy removes it
        if directory.exists():
            # Like the exchange, leave the old tree at `staged`: a second call swaps back.
            old = staged.with_name(staged.name + ".old")
            os.rename(directory, old)
            os.rename(staged, directory)
            os.rename(old, staged)
        else:
            os.rename(staged, directory)
    except OSError as e:
        raise RenderError(f"cannot write {directory}: {e.strerror}") from e
