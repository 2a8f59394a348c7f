"""`mirror --pin` writes chart_digest into environments/_common.yaml and nowhere else unless a file
repeats it; every other line, comments included, stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.core.errors import RenderError
from generator.images import chartmirror

OLD, NEW = "sha256:" + "a" * 64, "sha256:" + "b" * 64


def test_the_pin_goes_under_chart_version_and_into_files_that_repeat_it(tmp_path: Path) -> None:
    envs = tmp_path / "environments"
    envs.mkdir()
    (envs / "_common.yaml").write_text("# shared\nprefix: twofa\nchart_version: 23.1.1  # the chart\n"
                                       "kube_version: '1.33'\n")
    (envs / "dev.yaml").write_text(f"env: dev\nchart_digest: {OLD}\n# kept\n")
    (envs / "prod.yaml").write_text("env: prod\n")
    prod_before = (envs / "prod.yaml").read_bytes()

    assert chartmirror.write_pin(tmp_path, NEW) == ["environments/_common.yaml", "environments/dev.yaml"]

    assert (envs / "_common.yaml").read_text() == (
        "# shared\nprefix: twofa\nchart_version: 23.1.1  # the chart\n"
        f"# The archive of chart_version, pinned by `mirror --pin`.\nchart_digest: {NEW}\nkube_version: '1.33'\n")
    assert (envs / "dev.yaml").read_text() == f"env: dev\nchart_digest: {NEW}\n# kept\n"
    assert (envs / "prod.yaml").read_bytes() == prod_before
    assert chartmirror.write_pin(tmp_path, NEW) == []  # pinned already: nothing rewritten


def test_a_pin_it_cannot_place_safely_is_refused(tmp_path: Path) -> None:
    envs = tmp_path / "environments"
    envs.mkdir()
    common = envs / "_common.yaml"
    common.write_text("chart_version: 23.1.1\nchart_digest: |\n  sha256:...\n")  # a block scalar: not one line
    before = common.read_text()
    with pytest.raises(RenderError, match=f"could not set chart_digest safely; set it by hand: chart_digest: {NEW}"):
        chartmirror.write_pin(tmp_path, NEW)
    assert common.read_text() == before
    assert yaml.safe_load(before)["chart_digest"] == "sha256:...\n"
