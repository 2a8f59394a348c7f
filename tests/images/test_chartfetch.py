"""images/chartfetch.py: what `build` does when chart/charts/ lacks the archive of chart_version:
nothing when fetching is off or the archive is there, one line and a build without the subchart
when the registry cannot be reached (the fetch itself: tests/e2e/test_chart_supply.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from generator import pipeline
from generator.core.errors import RegistryError, UsageError
from generator.images import chartfetch


@pytest.mark.parametrize(("text", "seconds"), [(None, chartfetch.DEFAULT_TIMEOUT_S), ("", chartfetch.DEFAULT_TIMEOUT_S),
                                               (" 2.5 ", 2.5), ("0", 0.0)])
def test_the_timeout_from_the_environment(text: str | None, seconds: float) -> None:
    environ = {} if text is None else {chartfetch.TIMEOUT_VARIABLE: text}
    assert chartfetch.default_timeout(environ) == seconds


@pytest.mark.parametrize("text", ["soon", "-1", "3600", "nan"])
def test_a_timeout_that_is_not_seconds(text: str) -> None:
    with pytest.raises(UsageError, match=rf"^{chartfetch.TIMEOUT_VARIABLE}: expected seconds .* got '{text}'$"):
        chartfetch.default_timeout({chartfetch.TIMEOUT_VARIABLE: text})


def test_nothing_to_fetch_when_the_archive_is_there_or_fetching_is_off(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    dest = chartfetch.archive_path(bare_project, settings.chart_version)
    assert dest == bare_project / "chart" / "charts" / f"redis-{settings.chart_version}.tgz"
    assert chartfetch.ensure(bare_project, settings, 0, require_subchart=True) == ("", False)  # off
    dest.parent.mkdir()
    dest.write_bytes(b"already here")
    assert chartfetch.ensure(bare_project, settings, 5, require_subchart=True) == ("", False)
    assert dest.read_bytes() == b"already here"


def test_an_unreachable_registry_is_one_line_and_the_build_goes_on(bare_project: Path, closed_port: int) -> None:
    settings = dataclasses.replace(pipeline.prepare(bare_project, "dev").settings,
                                   chart_repository=f"oci://127.0.0.1:{closed_port}/charts")
    line, said = chartfetch.ensure(bare_project, settings, 5, require_subchart=False)
    assert said and line.startswith("dev: subchart not fetched: ")
    assert "not reachable (connection refused; limit 5 s)" in line, line
    assert line.endswith("rendered and validated our own templates only (--require-subchart fails instead)")
    assert not (bare_project / "chart" / "charts").exists()
    with pytest.raises(RegistryError, match=r"--require-subchart was given$"):
        chartfetch.ensure(bare_project, settings, 5, require_subchart=True)
