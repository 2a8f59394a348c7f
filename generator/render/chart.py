"""The generated files of chart/: Chart.yaml and values-<env>.yaml (Jinja2, data only) and the
shared values.yaml (a static file, copied as it is); and a chart without its dependency, for
rendering our own templates when the subchart archive is absent.

Jinja2 renders data files only; our Helm templates are written by hand in chart/templates/, so
no Helm template is ever produced by a Jinja2 template. (The one Go template Jinja2 writes is
External Secrets Operator's `{{ .password }}` in argocd/, kept literal with {% raw %}.)
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from generator.core import atomic, cache, files, yamlio
from generator.core.errors import RenderError
from generator.core.paths import COMMON_FILE, ENV_DIR, TEMPLATES
from generator.core.settings import Settings
from generator.render import values


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
    """A template of generator/render/templates/ rendered with `context`. The text is a pure
    function of the templates, the context (settings, never a password: these files are
    committed) and the code and packages below, so a render done before is read from the cache
    (generator/core/cache.py) without loading Jinja2 (~20 ms with compiling the templates)."""
    key = (cache.Key("template").add("name", name).data("context", context).tree("templates", TEMPLATES)
           .code("render/chart.py", *yamlio.CODE).package("jinja2").package("markupsafe").package("yaml", "pyyaml"))
    hit = cache.get(key)
    if hit is not None:
        return hit
    text = _render(name, context)
    cache.put(key, text)
    return text


def _render(name: str, context: dict[str, Any]) -> str:
    import jinja2

    try:
        return str(_jinja().get_template(name).render(**context))
    except jinja2.TemplateError as e:
        line = getattr(e, "lineno", None)
        where = f"{name}:{line}" if line else name
        raise RenderError(f"generator/render/templates/{where}: {e}") from e


def chart_files(settings: Settings, env_file: str) -> dict[str, str]:
    """The generated files one environment's build writes, by path relative to chart/."""
    sources = [f"{ENV_DIR}/{COMMON_FILE}", env_file]
    return {
        "Chart.yaml": render_template(
            "Chart.yaml.j2", chart_version=settings.chart_version, chart_repository=settings.chart_repository
        ),
        values.SHARED_FILE: values.shared_text(),
        f"values-{settings.env}.yaml": render_template(
            "values-env.yaml.j2", env=settings.env, sources=sources, values=values.env_values(settings)
        ),
    }


MAX_CHART_YAML = 1 << 20


def strip_dependencies(chart: Path, shown: str = "chart/Chart.yaml") -> None:
    """Without the archive helm refuses a chart that lists it; render ours alone. RenderError
    naming `shown` when Chart.yaml is not a mapping (a merge conflict left in it, say)."""
    meta_path = chart / "Chart.yaml"
    try:
        text = files.read_text(meta_path, MAX_CHART_YAML)
    except (OSError, UnicodeDecodeError) as e:
        raise RenderError(f"{shown}: cannot read: {getattr(e, 'strerror', None) or 'not UTF-8 text'}") from None
    # The same Chart.yaml as the build before: its result without loading PyYAML (core/cache.py).
    key = cache.Key("chart-alone").add("chart", text).code("render/chart.py", *yamlio.CODE).package("yaml", "pyyaml")
    hit = cache.get(key)
    if hit is not None:
        atomic.write_text(meta_path, hit)
        return
    try:
        meta = yamlio.load(text)
    except yamlio.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}" if mark else shown
        raise RenderError(f"{where}: not valid YAML (a merge conflict left in it?); restore it with "
                          f"`git checkout -- {shown}` or run build") from None
    if not isinstance(meta, dict):
        raise RenderError(f"{shown}: expected a mapping (apiVersion, name, version, ...); restore it with "
                          f"`git checkout -- {shown}` or run build")
    meta.pop("dependencies", None)
    alone = yamlio.dump_document(meta)
    cache.put(key, alone)
    atomic.write_text(meta_path, alone)
