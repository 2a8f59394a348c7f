"""bench/otp_throughput.py still runs against the current code (it asserts nothing about speed)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support.paths import CHECKOUT

pytestmark = pytest.mark.load


def test_otp_throughput_prints_its_ratios() -> None:
    done = subprocess.run([sys.executable, "bench/otp_throughput.py", "--conns", "1", "--seconds", "0.3",
                           "--rounds", "1", "--no-flood"], cwd=CHECKOUT, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"ratio, redis-py pooled \(as smoke/inspect\): issue / benchmark SET \d+\.\d\d", done.stdout)
    assert re.search(r"redis-py verify, pooled \(as smoke/inspect\) +\d+ ops/s +p50 [\d.]+ ms +p99", done.stdout)
