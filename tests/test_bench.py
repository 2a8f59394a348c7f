"""The benchmarks still run against the current code (they assert nothing about speed)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def _bench(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_build_vs_helm_prints_its_ratio() -> None:
    out = _bench("bench/build_vs_helm.py", "--runs", "1")
    assert re.search(r"ratio build/helm \(wall\): \d+\.\d+x", out), out


def test_check_scaling_prints_its_ratio() -> None:
    out = _bench("bench/check_scaling.py", "--runs", "1", "--counts", "1", "2")
    assert re.search(r"ratio check\(2\)/check\(1\) \(wall\): \d+\.\d+x", out), out
