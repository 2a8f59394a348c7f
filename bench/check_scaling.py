"""`python -m generator check` over 1, 10 and 50 environments.

Goal: check(50) within 10x of check(1), i.e. the per-environment cost stays well below the
fixed cost. Each project is a private copy whose environments are generated from dev.yaml
(env-001, env-002, ..., each in its own namespace) with chart/ brought up to date, so `check`
passes and does all its work.
Runs are interleaved across the projects so that each sees the same load.

    .venv/bin/python bench/check_scaling.py [--runs 3] [--counts 1 10 50] [--project DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from generator.core import atomic

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._project import add_project_argument, copy_project, generator, has_subchart, interleaved, load_note
from generator import pipeline
from generator.render import argocd, chart

GOAL = 10.0


def make_project(into: Path, count: int, source: Path) -> Path:
    """A copy of source with `count` environments cloned from its dev.yaml, and its generated chart files."""
    root = copy_project(into, source)
    envs = root / "environments"
    template = (envs / "dev.yaml").read_text(encoding="utf-8")
    for stale in envs.glob("*.yaml"):
        if not stale.name.startswith("_"):
            stale.unlink()
    for stale in (root / "chart").glob("values-*.yaml"):
        stale.unlink()
    for i in range(1, count + 1):
        name = f"env-{i:03d}"
        # Each clone in its own namespace: two environments may not deploy one release into one place.
        text = re.sub(r"(?m)^namespace: .*\n", "", re.sub(r"(?m)^env: .*$", f"env: {name}", template))
        (envs / f"{name}.yaml").write_text(f"{text}namespace: {name}\n", encoding="utf-8")
    shutil.rmtree(root / argocd.ARGOCD_DIR, ignore_errors=True)
    for prepared in pipeline.prepare_all(root):
        atomic.write_files(root / "chart", chart.chart_files(prepared.settings, prepared.env.file))
        atomic.write_files(root, argocd.files(prepared.settings, prepared.env.file))
    return root


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--counts", type=int, nargs="+", default=[1, 10, 50])
    add_project_argument(p)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-check.") as tmp:
        commands = {}
        for count in args.counts:
            where = Path(tmp) / str(count)
            where.mkdir()
            commands[count] = generator(make_project(where, count, args.project), "check")
        timings = interleaved(commands, args.runs)
    print(f"chart {has_subchart(args.project)} the Bitnami subchart, {args.runs} interleaved runs each, medians; "
          f"{load_note()}")
    for count, t in timings.items():
        print(f"  check, {count:3d} environments: {t.wall * 1000:6.0f} ms wall ({t.wall / count * 1000:4.0f} ms each), "
              f"{t.cpu * 1000:6.0f} ms CPU")
    low, high = min(timings), max(timings)
    for kind in ("wall", "cpu"):
        ratio = getattr(timings[high], kind) / getattr(timings[low], kind)
        verdict = "met" if ratio <= GOAL else "MISSED"
        print(f"  ratio check({high})/check({low}) ({kind}): {ratio:.2f}x (goal <= {GOAL:.1f}x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
