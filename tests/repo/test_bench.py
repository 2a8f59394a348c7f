"""The benchmarks still run against the current code (they assert nothing about speed), on the
tests' own project (--project), not on the checkout's environments."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.paths import CHECKOUT


def _bench(project: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, *args, "--project", str(project)], cwd=CHECKOUT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_build_vs_helm_prints_its_ratio(fixture_root: Path) -> None:
    out = _bench(fixture_root, "bench/build_vs_helm.py", "--runs", "1")
    assert re.search(r"ratio build/helm \(wall\): \d+\.\d+x", out), out


def test_check_scaling_prints_its_ratio(fixture_root: Path) -> None:
    out = _bench(fixture_root, "bench/check_scaling.py", "--runs", "1", "--counts", "1", "2")
    assert re.search(r"ratio check\(2\)/check\(1\) \(wall\): \d+\.\d+x", out), out


def test_plan_vs_check_prints_its_ratio(fixture_root: Path) -> None:
    out = _bench(fixture_root, "bench/plan_vs_check.py", "--runs", "1")
    assert re.search(r"ratio plan/check \(wall\): \d+\.\d+x", out), out
