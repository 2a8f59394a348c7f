"""`python -m generator build <env>` against one bare `helm template` of the same chart and values.

Goal: build (validate, render, helm lint + template, schema checks, atomic write) within 2x of
the one `helm template` it cannot avoid. Both run N times as separate processes, interleaved,
on a private copy of the project; medians of wall and CPU time and their ratios are printed.

    .venv/bin/python bench/build_vs_helm.py [--env dev] [--runs 7] [--project DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from generator.render.chart import strip_dependencies

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._project import (
    ROOT,
    add_project_argument,
    copy_project,
    generator,
    has_subchart,
    interleaved,
    load_note,
    run_once,
)
from generator import pipeline
from generator.check import helm

GOAL = 2.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--env", default="dev")
    p.add_argument("--runs", type=int, default=7)
    add_project_argument(p)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-build.") as tmp:
        root = copy_project(Path(tmp), args.project)
        build = generator(root, "build", args.env)
        run_once(build)  # warms the disk cache; also writes the values the bare helm run reads
        settings = pipeline.prepare(root, args.env).settings
        # helm's own copy of the chart: build rewrites chart/Chart.yaml on every run, and
        # without the archive helm renders what build renders only once the dependency is gone.
        chart = Path(tmp) / "helm" / "chart"
        shutil.copytree(root / "chart", chart)
        if not list((chart / "charts").glob("redis-*.tgz")):
            strip_dependencies(chart)
        spec = helm.Render(settings.release_name, settings.namespace, settings.kube_version,
                           (chart / f"values-{args.env}.yaml",))
        bare = [helm.find_helm(ROOT), *helm.template_args(chart, spec)]
        timings = interleaved({"build": build, "helm": bare}, args.runs)
    b, h = timings["build"], timings["helm"]
    print(f"chart {has_subchart(args.project)} the Bitnami subchart, {args.runs} interleaved runs each, medians; "
          f"{load_note()}")
    print(f"  python -m generator build {args.env}: {b.wall * 1000:6.0f} ms wall, {b.cpu * 1000:6.0f} ms CPU")
    print(f"  helm template (bare):          {h.wall * 1000:6.0f} ms wall, {h.cpu * 1000:6.0f} ms CPU")
    for kind, ratio in (("wall", b.wall / h.wall), ("CPU", b.cpu / h.cpu)):
        verdict = "met" if ratio <= GOAL else "MISSED"
        print(f"  ratio build/helm ({kind}): {ratio:.2f}x (goal <= {GOAL:.1f}x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
