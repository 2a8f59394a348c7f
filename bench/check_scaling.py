"""`python -m generator check` over 1, 10 and 50 environments.

Goal: check(50) within 10x of check(1), i.e. the per-environment cost stays well below the
fixed cost. Each project is a private copy whose environments are generated from dev.yaml
(env-001, env-002, ...) with chart/ brought up to date, so `check` passes and does all its work.

    .venv/bin/python bench/check_scaling.py [--runs 3] [--counts 1 10 50]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._project import ROOT, copy_project, generator, median, timed
from generator import pipeline, render

GOAL = 10.0


def make_project(into: Path, count: int) -> Path:
    """A project with `count` environments cloned from dev.yaml, and its generated chart files."""
    root = copy_project(into)
    envs = root / "environments"
    template = (envs / "dev.yaml").read_text(encoding="utf-8")
    for stale in envs.glob("*.yaml"):
        if not stale.name.startswith("_"):
            stale.unlink()
    for stale in (root / "chart").glob("values-*.yaml"):
        stale.unlink()
    for i in range(1, count + 1):
        name = f"env-{i:03d}"
        (envs / f"{name}.yaml").write_text(re.sub(r"(?m)^env: .*$", f"env: {name}", template), encoding="utf-8")
    for prepared in pipeline.prepare_all(root):
        render.write_files(root / "chart", render.chart_files(prepared.settings, prepared.env.file))
    return root


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--counts", type=int, nargs="+", default=[1, 10, 50])
    args = p.parse_args()
    results: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-check.") as tmp:
        for count in args.counts:
            where = Path(tmp) / str(count)
            where.mkdir()
            root = make_project(where, count)
            results[count] = median(timed(generator(root, "check"), args.runs, cwd=ROOT))
    subchart = "with" if list((ROOT / "chart" / "charts").glob("redis-*.tgz")) else "without"
    print(f"chart {subchart} the Bitnami subchart, {args.runs} runs each, medians:")
    for count, seconds in results.items():
        print(f"  check, {count:3d} environments: {seconds * 1000:7.0f} ms ({seconds / count * 1000:5.0f} ms each)")
    low, high = min(results), max(results)
    ratio = results[high] / results[low]
    verdict = "met" if ratio <= GOAL else "MISSED"
    print(f"  ratio check({high})/check({low}): {ratio:.2f}x (goal <= {GOAL:.1f}x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
