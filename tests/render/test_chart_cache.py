"""render/chart.py: a rendered data file is read back from the cache only for the same template
files, context and code (each changed in turn misses), and is then the text Jinja2 renders; a
Chart.yaml stripped of its dependency likewise, and a Chart.yaml that cannot be is never stored."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.core import cache, yamlio
from generator.core.errors import RenderError
from generator.render import chart

CONTEXT: dict[str, Any] = {"chart_version": "23.1.1", "chart_repository": "oci://registry.example/charts"}


def _entries() -> int:
    folder = cache.directory() / "template"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the templates, used by the renderer and its key alike."""
    copied = tmp_path / "templates"
    shutil.copytree(chart.TEMPLATES, copied)
    monkeypatch.setattr(chart, "TEMPLATES", copied)
    chart._jinja.cache_clear()
    yield copied
    chart._jinja.cache_clear()


def test_a_hit_is_the_text_jinja_renders(templates: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = chart._render("Chart.yaml.j2", CONTEXT)
    assert chart.render_template("Chart.yaml.j2", **CONTEXT) == fresh and _entries() == 1

    def no_jinja(*_: object) -> str:
        raise AssertionError("rendered on a hit")

    monkeypatch.setattr(chart, "_render", no_jinja)
    assert chart.render_template("Chart.yaml.j2", **CONTEXT) == fresh


def test_each_input_changed_renders_again(templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = {chart.render_template("Chart.yaml.j2", **CONTEXT)}
    texts.add(chart.render_template("Chart.yaml.j2", **{**CONTEXT, "chart_version": "23.1.0"}))
    assert _entries() == 2
    source = templates / "Chart.yaml.j2"
    source.write_text(source.read_text().replace("type: application", "type: application  # edited"))
    chart._jinja.cache_clear()
    edited = chart.render_template("Chart.yaml.j2", **CONTEXT)
    assert "# edited" in edited and _entries() == 3
    (templates / "unrelated.j2").write_text("x")  # any file of the folder: templates include others
    chart.render_template("Chart.yaml.j2", **CONTEXT)
    assert _entries() == 4
    code = tmp_path / "package"
    modules = ("render/chart.py", *yamlio.CODE)
    for module in modules:
        (code / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(cache.PACKAGE / module, code / module)
    monkeypatch.setattr(cache, "PACKAGE", code)
    chart.render_template("Chart.yaml.j2", **CONTEXT)
    assert _entries() == 4, "the same code bytes elsewhere: the same key"
    for count, module in enumerate(modules, start=5):
        (code / module).write_text((code / module).read_text() + "\n#\n")
        chart.render_template("Chart.yaml.j2", **CONTEXT)
        assert _entries() == count, f"{module} changed: a new key"


def test_a_template_error_is_never_cached(templates: Path) -> None:
    (templates / "broken.j2").write_text("line one\n{{ unclosed\n")
    for _ in range(2):
        with pytest.raises(RenderError, match=r"broken\.j2:2"):
            chart.render_template("broken.j2", value=1)
    assert _entries() == 0


def _alone_entries() -> int:
    folder = cache.directory() / "chart-alone"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


CHART_YAML = ("apiVersion: v2\nname: twofa-redis\nversion: 1.0.0\ndependencies:\n  - name: redis\n"
              "    version: \"23.1.1\"\n    repository: \"oci://registry.example/charts\"\n")


def test_a_chart_without_its_dependency_is_the_same_from_the_cache(tmp_path: Path) -> None:
    fresh, cached = tmp_path / "fresh", tmp_path / "cached"
    for folder in (fresh, cached):
        folder.mkdir()
        (folder / "Chart.yaml").write_text(CHART_YAML)
    chart.strip_dependencies(fresh)
    assert _alone_entries() == 1
    chart.strip_dependencies(cached)
    assert _alone_entries() == 1
    assert (cached / "Chart.yaml").read_text() == (fresh / "Chart.yaml").read_text() == \
        "apiVersion: v2\nname: twofa-redis\nversion: 1.0.0\n"
    (cached / "Chart.yaml").write_text(CHART_YAML.replace("1.0.0", "1.0.1"))
    chart.strip_dependencies(cached)
    assert _alone_entries() == 2 and "version: 1.0.1" in (cached / "Chart.yaml").read_text()


@pytest.mark.parametrize("text", ["<<<<<<< HEAD\nname: x\n", "- a list\n", "a: [\n"])
def test_a_chart_yaml_that_cannot_be_stripped_is_never_cached(tmp_path: Path, text: str) -> None:
    (tmp_path / "Chart.yaml").write_text(text)
    for _ in range(2):
        with pytest.raises(RenderError, match=r"chart/Chart\.yaml"):
            chart.strip_dependencies(tmp_path)
    assert _alone_entries() == 0 and (tmp_path / "Chart.yaml").read_text() == text
