"""Render the generated files of chart/ and write them atomically.

Jinja2 renders data files only (Chart.yaml, values files); our Helm templates are written by
hand in chart/templates/, so no Go template is ever produced by a Jinja2 template.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from generator.core import yamlio
from generator.core.errors import RenderError
from generator.core.paths import COMMON_FILE, ENV_DIR
from generator.core.settings import Settings
from generator.values import chart_values, env_values

TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.cache
def _jinja() -> Any:
    import jinja2  # imported here: only rendering needs it

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["to_yaml"] = yamlio.dump
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
