"""The archive of chart_version, and only that one: chart/charts/redis-<version>.tgz, else the
cache ${XDG_CACHE_HOME:-~/.cache}/twofa-redis/charts/; another version is never used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.bitnami import archive
from generator.core.errors import CheckError
from tests.support.charts import DEFAULTS, make_archive
from tests.support.cli import tree


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "twofa-redis" / "charts"


def test_found_by_version_in_chart_charts_then_in_the_cache(tmp_path: Path, cache: Path) -> None:
    chart = tmp_path / "chart"
    assert archive.cache_dir() == cache
    assert archive.find(chart, "23.1.1") is None
    cached = make_archive(cache / "redis-23.1.1.tgz", "23.1.1")
    assert archive.find(chart, "23.1.1") == archive.Subchart(cached, "23.1.1", DEFAULTS)
    local = make_archive(chart / "charts" / "redis-23.1.1.tgz", "23.1.1")
    make_archive(chart / "charts" / "redis-23.1.0.tgz", "23.1.0")  # several versions side by side: fine
    found = archive.find(chart, "23.1.1")
    assert found is not None and found.archive == local
    assert archive.find(chart, "24.0.9") is None


def test_the_cache_defaults_to_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert archive.cache_dir() == tmp_path / ".cache" / "twofa-redis" / "charts"


def test_an_archive_whose_content_is_another_version_is_refused(tmp_path: Path, cache: Path) -> None:
    make_archive(tmp_path / "chart" / "charts" / "redis-24.0.9.tgz", "23.1.1")
    with pytest.raises(CheckError, match=r"redis-24\.0\.9\.tgz: holds redis 23\.1\.1, not 24\.0\.9 as its name says"):
        archive.find(tmp_path / "chart", "24.0.9")


def test_missing_names_where_it_looked_and_what_is_not_used(tmp_path: Path, cache: Path) -> None:
    chart = tmp_path / "chart"
    make_archive(chart / "charts" / "redis-23.1.1.tgz", "23.1.1")
    assert archive.missing(chart, "24.0.9") == (
        "no redis chart archive in chart/charts/ or the archive cache for chart_version 24.0.9 "
        f"(chart/charts/redis-24.0.9.tgz or {cache}/redis-24.0.9.tgz); chart/charts/ holds redis-23.1.1.tgz, "
        "another version, which is not used")


def _chart_version(root: Path) -> str:
    match = re.search(r"(?m)^chart_version: (\S+)$", (root / "environments" / "_common.yaml").read_text())
    assert match
    return match.group(1)


def test_build_and_check_refuse_another_version_with_require_subchart(bare_project: Path, cli, cache: Path) -> None:
    version = _chart_version(bare_project)
    make_archive(bare_project / "chart" / "charts" / "redis-1.2.3.tgz", "1.2.3")
    before = tree(bare_project)
    for args in (("build", "dev", "--require-subchart"), ("check", "--require-subchart")):
        ran = cli(bare_project, *args)
        assert ran.code == 1, (args, ran.out, ran.err)
        assert ran.err.startswith(f"error: no redis chart archive in chart/charts/ or the archive cache for "
                                  f"chart_version {version} "), ran.err
        assert "chart/charts/ holds redis-1.2.3.tgz, another version, which is not used" in ran.err
        assert "--require-subchart was given" in ran.err
        assert tree(bare_project) == before


def test_without_require_subchart_they_say_the_subchart_was_not_used(bare_project: Path, cli, cache: Path) -> None:
    make_archive(bare_project / "chart" / "charts" / "redis-1.2.3.tgz", "1.2.3")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    assert "dev: subchart not present, NOT used: " in ran.out
    assert "redis-1.2.3.tgz, another version, which is not used" in ran.out
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.err
    environments = [p for p in (bare_project / "environments").glob("*.yaml") if not p.name.startswith("_")]
    assert ran.out.count("subchart not present, NOT used") == len(environments)
