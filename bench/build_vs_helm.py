"""`python -m generator build <env>` against one bare `helm template` of the same chart and values.

Goal: build (validate, render, helm lint + template, schema checks, atomic write) within 2x of
the one `helm template` it cannot avoid. Both run N times as separate processes, on a private
copy of the project; the medians and their ratio are printed.

    .venv/bin/python bench/build_vs_helm.py [--env dev] [--runs 7]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._project import ROOT, copy_project, generator, median, timed
from generator import helm, pipeline

GOAL = 2.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--env", default="dev")
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-build.") as tmp:
        root = copy_project(Path(tmp))
        build = generator(root, "build", args.env)
        timed(build, 1)  # warm the disk cache; also writes the values the bare helm run reads
        settings = pipeline.prepare(root, args.env).settings
        chart = root / "chart"
        spec = helm.Render(settings.release_name, settings.namespace, settings.kube_version,
                           (chart / f"values-{args.env}.yaml",))
        bare = [helm.find_helm(), *helm.template_args(chart, spec)]
        build_times = timed(build, args.runs, cwd=ROOT)
        helm_times = timed(bare, args.runs, cwd=ROOT)
    subchart = "with" if list((ROOT / "chart" / "charts").glob("redis-*.tgz")) else "without"
    b, h = median(build_times), median(helm_times)
    ratio = b / h
    print(f"chart {subchart} the Bitnami subchart, {args.runs} runs each, medians:")
    print(f"  python -m generator build {args.env}: {b * 1000:7.0f} ms")
    print(f"  helm template (bare):          {h * 1000:7.0f} ms")
    print(f"  ratio build/helm: {ratio:.2f}x (goal <= {GOAL:.1f}x: {'met' if ratio <= GOAL else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
