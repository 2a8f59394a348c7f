"""`deps` without a reachable registry: fails fast, exit 1, and says what to do instead."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.cli import tree


def point_chart_at(root: Path, repository: str) -> None:
    chart_yaml = root / "chart" / "Chart.yaml"
    text = chart_yaml.read_text()
    start = text.index("    repository: ")
    end = text.index("\n", start)
    chart_yaml.write_text(text[:start] + f'    repository: "{repository}"' + text[end:])


def test_refused_registry_fails_fast_with_advice(bare_project: Path, cli, closed_port: int) -> None:
    point_chart_at(bare_project, f"oci://127.0.0.1:{closed_port}/charts")
    before = tree(bare_project)
    start = time.monotonic()
    ran = cli(bare_project, "deps", "--timeout", "30")
    assert time.monotonic() - start < 25
    assert ran.code == 1
    assert ran.err.startswith("error: helm failed (exit 1): ")
    assert "connection refused" in ran.err
    assert "The chart registry (chart_repository in environments/_common.yaml) is not reachable from here." in ran.err
    assert "into chart/charts/; it is git-ignored and never committed." in ran.err
    assert "Traceback" not in ran.err
    assert tree(bare_project) == before


def test_hanging_registry_is_given_up_on(bare_project: Path, cli, black_hole: int) -> None:
    point_chart_at(bare_project, f"oci://127.0.0.1:{black_hole}/charts")
    start = time.monotonic()
    ran = cli(bare_project, "deps", "--timeout", "2")
    assert time.monotonic() - start < 15
    assert ran.code == 1
    assert "error: helm did not finish in 2 s (stopped): " in ran.err
    assert "is not reachable from here" in ran.err
    assert not list((bare_project / "chart").glob("charts/*.tgz"))
