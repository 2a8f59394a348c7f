"""How long the policy rules add to `check`: evaluation time per environment (render excluded).

Run: .venv/bin/python bench/policy.py [rounds]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import pipeline  # noqa: E402
from generator.check import policy, renders  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    prepared = pipeline.prepare_all(ROOT)
    results = renders.render_checked(ROOT, [p.settings for p in prepared], [p.env.file for p in prepared])
    for result in results:
        start = time.perf_counter()
        for _ in range(rounds):
            report = policy.evaluate(policy.context(result, ROOT))
        ms = (time.perf_counter() - start) / rounds * 1000
        print(f"{result.settings.env}: {len(result.objects)} objects, {len(policy.RULES)} rules, "
              f"{len(report.findings)} findings: {ms:.1f} ms per evaluation "
              f"(subchart {'rendered' if result.subchart else 'absent'})")


if __name__ == "__main__":
    main()
