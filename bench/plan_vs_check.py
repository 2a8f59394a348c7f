"""`python -m generator plan` on an unchanged tree against `check` over the same environments.

Goal: plan within 2x of check. Plan renders both sides (git HEAD's environments and chart/, and
the work tree) in one helm pool and checks nothing check does not; check renders one side but
lints, validates every object and runs the policy rules. Each runs N times as a separate process,
interleaved, on a private git copy of the project committed as it is (so plan finds no changes:
the benchmark fails if it finds any); medians of wall and CPU time and their ratios are printed.

    .venv/bin/python bench/plan_vs_check.py [--runs 5] [--project DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._project import add_project_argument, copy_project, generator, has_subchart, interleaved, load_note

GOAL = 2.0
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"]


def committed(root: Path) -> Path:
    (root / ".gitignore").write_text("/build/\n/chart/charts/\n")
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "unchanged")):
        subprocess.run([*GIT, "-C", str(root), *args], check=True, capture_output=True)
    return root


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    add_project_argument(p)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-plan.") as tmp:
        root = committed(copy_project(Path(tmp), args.project))
        done = subprocess.run(generator(root, "plan"), capture_output=True, text=True, check=False)
        if done.returncode != 0 or not done.stdout.rstrip().splitlines()[-1].startswith("plan: no changes"):
            sys.exit(f"bench: plan on the unchanged copy did not say 'no changes' (exit {done.returncode}):\n"
                     f"{done.stdout}{done.stderr}")
        timings = interleaved({"check": generator(root, "check"), "plan": generator(root, "plan")}, args.runs)
    c, pl = timings["check"], timings["plan"]
    print(f"chart {has_subchart(args.project)} the Bitnami subchart, {args.runs} interleaved runs each, medians; "
          f"{load_note()}")
    print(f"  check: {c.wall * 1000:6.0f} ms wall, {c.cpu * 1000:6.0f} ms CPU")
    print(f"  plan:  {pl.wall * 1000:6.0f} ms wall, {pl.cpu * 1000:6.0f} ms CPU (no changes)")
    for kind in ("wall", "cpu"):
        ratio = getattr(pl, kind) / getattr(c, kind)
        verdict = "met" if ratio <= GOAL else "MISSED"
        print(f"  ratio plan/check ({kind}): {ratio:.2f}x (goal <= {GOAL:.1f}x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
