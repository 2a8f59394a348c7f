"""`python -m generator build <env>` against one bare `helm template` of the same chart and values.

Goal: build (validate, render, helm lint + template, schema checks, atomic write) within 2x of
the one `helm template` it cannot avoid, for the operator's usual loop (the generator's caches
warm); the first build after a change of chart, values or tools (cold: caches empty) is printed
beside it. Measured without the Bitnami archive (a fresh clone) and with it (--archive, default:
the redis-<version>.tgz in chart/charts/, copied into the benchmark's own project with
chart_version set to match). Every command runs N times as a separate process, all of them
interleaved in the same rounds, on private copies of the project; medians of wall and CPU time
and their ratios are printed.

    .venv/bin/python bench/build_vs_helm.py [--env dev] [--runs 9] [--archive PATH | --no-archive] [--project DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._project import (
    Run,
    add_arguments,
    bare_helm,
    bytecode_note,
    cache_env,
    copy_variant,
    emptier,
    generator,
    interleaved,
    load_note,
    private_cache,
    run_once,
    variants,
    verdict,
)

GOAL = 2.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--env", default="dev")
    p.add_argument("--runs", type=int, default=9)
    add_arguments(p)
    args = p.parse_args()
    cases = variants(args)
    print(f"before: {load_note()}{bytecode_note()}")
    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="bench-build.") as tmp:
        private_cache(Path(tmp))
        for variant, tgz in cases.items():
            where = Path(tmp) / variant
            where.mkdir()
            root = copy_variant(where, tgz, args.project)
            cache = where / "cache"
            env = cache_env(cache)
            build = generator(root, "build", args.env)
            run_once(build, env=env)  # writes the values the bare helm run reads; warms the disk cache
            runs[f"{variant}/cold"] = Run(build, emptier(cache), env)
            runs[f"{variant}/warm"] = Run(build, None, env)
            runs[f"{variant}/helm"] = Run(bare_helm(root, where / "helm" / "chart", args.env))
        timings = interleaved(runs, args.runs)
    print(f"{args.runs} interleaved runs each, medians; after: {load_note()}")
    for variant, tgz in cases.items():
        h = timings[f"{variant}/helm"]
        what = f"with the Bitnami subchart ({tgz.name})" if tgz else "without the Bitnami subchart"
        print(f"chart {what}:")
        rows = {"helm template (bare)": h,
                f"build {args.env} (warm, caches kept)": timings[f"{variant}/warm"],
                f"build {args.env} (cold, caches emptied)": timings[f"{variant}/cold"]}
        for label, t in rows.items():
            print(f"  {label + ':':34s} {t.wall * 1000:6.0f} ms wall, {t.cpu * 1000:6.0f} ms CPU")
        for cache in ("warm", "cold"):
            b = timings[f"{variant}/{cache}"]
            for kind in ("wall", "CPU"):
                ratio = getattr(b, kind.lower()) / getattr(h, kind.lower())
                label = "" if cache == "warm" else " cold"
                note = "" if cache == "warm" else " (reported; the goal is for warm)"
                print(f"  ratio build/helm{label} ({kind}): {verdict(ratio, GOAL)}{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
