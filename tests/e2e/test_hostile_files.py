"""Files that are not files, odd places to write, and chart links that leave the chart (issue
14). Real processes with a deadline: a FIFO read the wrong way blocks forever, which must fail
the test, not hang the suite."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.hostile_cli import PASSWORD, assert_refused, env, password_on_disk, run, snapshot

DEV = "environments/dev.yaml"
CHECK_PROGRESS = r"^(guard|argocd/|chart/|dev|prod|staging): "


def _fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _link(target: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.unlink(missing_ok=True)
        path.symlink_to(target)
    return make


MAKERS: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (_fifo, "not a regular file (a FIFO)"),
    "dev_zero": (_link("/dev/zero"), "not a regular file (a character device)"),
    "directory": (_directory, "not a regular file (a directory)"),
    "dangling_link": (_link("/nonexistent/x"), "cannot read"),
}
NOT_FILES = [("environments/dev.yaml", k, "build") for k in MAKERS] + [
    ("environments/_common.yaml", "fifo", "check"), ("environments/_common.yaml", "dangling_link", "build"),
    ("environments/prod.yaml", "fifo", "build"), ("environments/prod.yaml", "dev_zero", "build")]


@pytest.mark.parametrize(("rel", "kind", "command"), NOT_FILES,
                         ids=[f"{r.split('/')[1]}-{k}-{c}" for r, k, c in NOT_FILES])
def test_a_settings_file_that_is_not_a_file(bare_project: Path, tmp_path: Path, rel: str, kind: str,
                                            command: str) -> None:
    make, expected = MAKERS[kind]
    make(bare_project / rel)
    before = snapshot(bare_project)
    ran = run(bare_project, *(["build", "dev"] if command == "build" else ["check"]), environ=env(tmp_path))
    assert_refused(ran, 2, f"error: {rel}: {expected}", allow=CHECK_PROGRESS)
    assert snapshot(bare_project) == before


STATES: dict[str, Callable[[Path], None]] = {
    "fifo": _fifo, "dev_zero": _link("/dev/zero"),
    "deep_json": lambda p: p.write_text("[" * 200_000),
    "sparse_100_MiB": lambda p: os.truncate(p, 100 << 20),
}


@pytest.mark.parametrize("kind", STATES)
def test_a_terraform_state_that_is_not_one(bare_project: Path, tmp_path: Path, kind: str) -> None:
    path = bare_project / DEV
    text = re.sub(r"(?m)^ecr_(registry|repository):.*\n", "", path.read_text())
    path.write_text(text + "ecr_source:\n  terraform_state:\n    path: state.tfstate\n")
    state = bare_project / "state.tfstate"
    state.write_text(json.dumps({"version": 4, "outputs": {"ecr_url": {"value": "x"}}}))
    STATES[kind](state)
    before = snapshot(bare_project)
    ran = run(bare_project, "build", "dev", environ=env(tmp_path))
    assert_refused(ran, 2, f"error: {DEV}:", "ecr_source.terraform_state: ", "state.tfstate")
    assert snapshot(bare_project) == before


def _mknod_null(path: Path) -> None:
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))


OUTPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "char_device": (lambda b: (_mknod_null(b / "null"), b / "null")[1], "found a character device"),
    "fifo": (lambda b: (os.mkfifo(b / "fifo"), b / "fifo")[1], "found a FIFO"),
    "directory": (lambda b: ((b / "dir").mkdir(), b / "dir")[1], "found a directory"),
    "link_to_a_file": (lambda b: ((b / "f").write_text("x"), (b / "l").symlink_to(b / "f"), b / "l")[2],
                       "found a symbolic link"),
    "parent_is_a_file": (lambda b: ((b / "afile").write_text("x"), b / "afile" / "r.json")[1], "not a directory"),
}


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")
@pytest.mark.parametrize("name", OUTPUTS)
def test_check_output_to_an_odd_place_is_refused_before_checking(bare_project: Path, tmp_path: Path,
                                                                  name: str) -> None:
    places = tmp_path / "places"
    places.mkdir()
    make, expected = OUTPUTS[name]
    target = make(places)
    before = {p.name: os.lstat(p) for p in places.iterdir()}
    ran = run(bare_project, "check", "--format", "json", "--output", str(target), environ=env(tmp_path))
    assert_refused(ran, 2, f"error: {target}: cannot write the report:", expected)
    assert {p.name: os.lstat(p) for p in places.iterdir()} == before  # /dev/null would still be a device


@pytest.mark.parametrize("name", ["fifo", "directory", "link_to_a_file", "parent_is_a_file"])
def test_plan_output_to_an_odd_place_is_refused_before_planning(bare_project: Path, tmp_path: Path,
                                                                name: str) -> None:
    """plan --output as check --output: refused at once (the project is not even in git here, so
    getting as far as the base revision would be another error)."""
    places = tmp_path / "places"
    places.mkdir()
    make, expected = OUTPUTS[name]
    target = make(places)
    ran = run(bare_project, "plan", "--output", str(target), environ=env(tmp_path))
    assert_refused(ran, 2, f"error: {target}: cannot write the report:", expected)


def test_plan_output_with_a_control_character_is_one_escaped_line(bare_project: Path, tmp_path: Path) -> None:
    ran = run(bare_project, "plan", "--output", str(tmp_path / "r\nerror: x.json"), environ=env(tmp_path))
    assert_refused(ran, 2, "error: --output: ", "contains a control character '\\n' (U+000A)")


def test_check_output_replaces_a_regular_file(bare_project: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old\n")
    ran = run(bare_project, "check", "--format", "json", "--output", str(target), environ=env(tmp_path))
    assert ran.code == 0, ran.err
    assert json.loads(target.read_text())["failed"] is False


CONFLICTED = "<<<<<<< HEAD\napiVersion: v2\nname: twofa-redis\n=======\nname: other\n>>>>>>> branch\n"
ODD = {
    "chart_yaml_conflicted": (lambda r: (r / "chart/Chart.yaml").write_text(CONFLICTED), "check",
                              "chart/Chart.yaml:2: not valid YAML (a merge conflict left in it?)"),
    "chart_yaml_a_list": (lambda r: (r / "chart/Chart.yaml").write_text("- a\n- b\n"), "check",
                          "chart/Chart.yaml: expected a mapping"),
    "template_fifo": (lambda r: _fifo(r / "chart/templates/extra.yaml"), "build",
                      "chart/templates/extra.yaml: not a regular file (a FIFO)"),
    "build_env_is_a_file": (lambda r: ((r / "build").mkdir(), (r / "build/dev").write_text("x\n")), "build",
                            "build/dev: expected a directory (build writes its bundle there), found a regular file"),
    "argocd_is_a_file": (lambda r: (shutil.rmtree(r / "argocd"), (r / "argocd").write_text("x\n")), "check",
                         "argocd: not a directory (a regular file)"),
}


@pytest.mark.parametrize("name", ODD)
def test_odd_places_in_the_project(bare_project: Path, tmp_path: Path, name: str) -> None:
    make, command, expected = ODD[name]
    make(bare_project)
    before = snapshot(bare_project)
    ran = run(bare_project, *(["build", "dev"] if command == "build" else ["check"]),
              environ=env(tmp_path, password=True))
    assert_refused(ran, 2 if command == "build" else 1, expected, allow=CHECK_PROGRESS)
    assert snapshot(bare_project) == before


def _outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    out.mkdir(exist_ok=True)
    (out / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-outside\n")
    (out / "victim.yaml").write_text("victim: untouched\n")
    return out


LINKS: dict[str, Callable[[Path, Path], Path]] = {
    "template_absolute": lambda r, o: r / "chart/templates/extra.yaml",
    "template_dir": lambda r, o: r / "chart/templates/extra",
    "values_yaml": lambda r, o: r / "chart/values.yaml",
}


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("name", LINKS)
def test_a_chart_link_that_leaves_the_chart_is_refused(bare_project: Path, tmp_path: Path, name: str,
                                                       command: str) -> None:
    outside = _outside(tmp_path)
    link = LINKS[name](bare_project, outside)
    link.unlink(missing_ok=True)
    link.symlink_to(outside if name == "template_dir" else outside / ("victim.yaml" if "values" in name else "cm.yaml"))
    before = snapshot(bare_project)
    ran = run(bare_project, *(["build", "dev"] if command == "build" else ["check"]), environ=env(tmp_path))
    rel = str(link.relative_to(bare_project))
    assert_refused(ran, 2 if command == "build" else 1, f"error: {rel}: a symbolic link to ", "outside chart/",
                   allow=CHECK_PROGRESS)
    assert snapshot(bare_project) == before
    assert (outside / "victim.yaml").read_text() == "victim: untouched\n"


def test_a_link_inside_the_chart_is_rendered(bare_project: Path, tmp_path: Path) -> None:
    (bare_project / "chart/files").mkdir()
    (bare_project / "chart/files/cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inside\n")
    (bare_project / "chart/templates/extra.yaml").symlink_to("../files/cm.yaml")
    ran = run(bare_project, "build", "dev", environ=env(tmp_path, password=True))
    assert ran.code == 0, ran.err
    assert "name: inside" in (bare_project / "build/dev/manifests.yaml").read_text()
    assert not password_on_disk(tmp_path / "tmp", tmp_path / "home")
    assert PASSWORD not in ran.out + ran.err
