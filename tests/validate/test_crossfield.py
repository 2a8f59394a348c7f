"""validate/crossfield.py: the rules a schema cannot say, across fields and across environment files."""

from __future__ import annotations

from pathlib import Path

from tests.support import ha
from tests.support.project import append


def test_problems_of_several_files_are_all_reported(bare_project: Path, cli) -> None:
    envs = bare_project / "environments"
    (envs / "staging.yaml").write_text((envs / "staging.yaml").read_text() + "chart_version: 1.0.0\n")
    (envs / "prod.yaml").write_text((envs / "prod.yaml").read_text() + "chart_version: 2.0.0\n")
    ran = cli(bare_project, "check")
    assert ran.code == 2
    lines = ran.err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: environments/prod.yaml:")
    assert lines[1].startswith("error: environments/staging.yaml:")
    assert all("(environments/_common.yaml:" in line for line in lines)


def test_sentinel_needs_replication(bare_project: Path, cli) -> None:
    line = append(bare_project, "dev", "sentinel_enabled: true\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert ran.err == (f"error: environments/dev.yaml:{line}: sentinel_enabled: Sentinel needs replicas to promote: "
                       "set architecture: replication\n")


def test_sentinel_needs_three_nodes(ha_project: Path, cli) -> None:
    path = ha_project / "environments" / f"{ha.ENV}.yaml"
    text = path.read_text()
    assert "replica_count: 3" in text
    path.write_text(text.replace("replica_count: 3", "replica_count: 2"))
    ran = cli(ha_project, "build", ha.ENV)
    assert ran.code == 2
    assert "error: environments/prod.yaml:" in ran.err
    assert "replica_count: 2 is too few for Sentinel: at least 3" in ran.err
