"""`docs`: the settings table comes from the schema, and README.md carries the current one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.commands import docs
from tests.support.paths import CHECKOUT


def test_readme_table_is_current() -> None:
    current = docs.readme_table(CHECKOUT / "README.md")
    assert current is not None, "README.md lost its <!-- settings:start/end --> markers"
    assert current == docs.table(), "README.md's settings table is stale: run `python -m generator docs --readme`"


def test_readme_still_starts_with_the_two_commands() -> None:
    lines = (CHECKOUT / "README.md").read_text().splitlines()
    assert lines[0] == "# twofa-redis"
    assert lines[3].startswith("scripts/setup && .venv/bin/twofa-redis build dev")
    assert lines[4].startswith("scripts/test ")


def test_every_setting_has_a_row_with_type_default_and_description() -> None:
    schema = json.loads(docs.SCHEMA_PATH.read_text())
    rows = {line.split(" | ")[0].strip("|` "): line.split(" | ") for line in docs.table().splitlines()[2:]}
    for name, prop in schema["properties"].items():
        cells = rows[name]
        assert cells[1] in ("string", "boolean", "object", "integer", "array"), name
        if name in schema["required"]:
            default = "required"
        elif "default" in prop:
            default = f"`{json.dumps(prop['default'], separators=(', ', ': '))}`"
        else:  # ecr_registry, ecr_source, argocd: absent means "not set", which the row says as "-"
            default = "-"
        assert cells[2] == default, name
    # Every row, the keys of mapping settings included (images.redis.digest), says what it is.
    for name, cells in rows.items():
        assert len(cells[3].split()) >= 4, f"{name}: no description"
    assert rows["storage_size"][2] == '`"1Gi"`'
    assert rows["otp_ttl_seconds"][1:3] == ["integer", "`300`"]
    assert rows["ecr_registry"][2] == "-"
    assert "resources.limits.memory" in rows and "images.redis.digest" in rows


def test_cli_prints_the_table(cli, tmp_path: Path) -> None:
    ran = cli(tmp_path, "docs")
    assert ran.code == 0
    assert ran.out == docs.table()


def test_stale_readme_is_detected_and_rewritten(cli, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    shutil.copy(CHECKOUT / "README.md", readme)
    stale = readme.read_text().replace('`storage_size` | string | `"1Gi"`', '`storage_size` | string | `"8Gi"`')
    assert stale != readme.read_text()
    readme.write_text(stale)
    assert docs.readme_table(readme) != docs.table()
    ran = cli(tmp_path, "docs", "--readme")
    assert (ran.code, ran.out) == (0, "README.md: settings table updated\n")
    assert docs.readme_table(readme) == docs.table()
    assert readme.read_text().splitlines()[:5] == (CHECKOUT / "README.md").read_text().splitlines()[:5]


def test_readme_without_markers_is_an_error(cli, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# nothing here\n")
    ran = cli(tmp_path, "docs", "--readme")
    assert ran.code == 2
    assert "no <!-- settings:start --> ... <!-- settings:end --> markers" in ran.err


@pytest.mark.parametrize("text", ["a | b", "<seconds>"])
def test_cells_are_escaped(text: str) -> None:
    assert "|" not in docs._cell(text).replace("\\|", "") and "<" not in docs._cell(text)
