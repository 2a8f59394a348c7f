"""`python -m generator check`: the committed environments against bare `helm template` runs, and
over 1, 10 and 50 environments.

Goals: check of the three committed environments within 2x of three bare `helm template` runs
(one per environment, one after the other), and check(50) within 10x of check(1), i.e. the
per-environment cost stays well below the fixed cost. Both for the operator's usual loop
(the generator's caches warm); cold (caches emptied before each run) is printed beside it.
Measured without the Bitnami archive and with it (--archive, default: chart/charts/'s, copied
into each private project with chart_version set to match). The scaling projects' environments
are generated from dev.yaml (env-001, env-002, ..., each in its own namespace) with chart/ brought
up to date, so `check` passes and does all its work. All runs are interleaved in the same rounds.

    .venv/bin/python bench/check_scaling.py [--runs 3] [--counts 1 10 50] [--archive PATH | --no-archive]
        [--project DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._project import (
    Run,
    Timing,
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
    sequence,
    variants,
    verdict,
)
from generator import pipeline
from generator.core import atomic
from generator.render import argocd, chart

SCALING_GOAL = 10.0
HELM_GOAL = 2.0


def refresh(root: Path) -> Path:
    """chart/ and argocd/ as `build` of every environment leaves them."""
    for stale in (root / "chart").glob("values-*.yaml"):
        stale.unlink()
    shutil.rmtree(root / argocd.ARGOCD_DIR, ignore_errors=True)
    for prepared in pipeline.prepare_all(root):
        atomic.write_files(root / "chart", chart.chart_files(prepared.settings, prepared.env.file))
        atomic.write_files(root, argocd.files(prepared.settings, prepared.env.file))
    return root


def make_project(into: Path, count: int, archive: Path | None, source: Path) -> Path:
    """A copy of source with `count` environments cloned from its dev.yaml, and its generated chart files."""
    root = copy_variant(into, archive, source)
    envs = root / "environments"
    template = (envs / "dev.yaml").read_text(encoding="utf-8")
    for stale in envs.glob("*.yaml"):
        if not stale.name.startswith("_"):
            stale.unlink()
    for i in range(1, count + 1):
        name = f"env-{i:03d}"
        # Each clone in its own namespace: two environments may not deploy one release into one place.
        text = re.sub(r"(?m)^namespace: .*\n", "", re.sub(r"(?m)^env: .*$", f"env: {name}", template))
        (envs / f"{name}.yaml").write_text(f"{text}namespace: {name}\n", encoding="utf-8")
    return refresh(root)


def _ms(t: Timing) -> str:
    return f"{t.wall * 1000:6.0f} ms wall, {t.cpu * 1000:6.0f} ms CPU"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--counts", type=int, nargs="+", default=[1, 10, 50])
    add_arguments(p)
    args = p.parse_args()
    cases = variants(args)
    print(f"before: {load_note()}{bytecode_note()}")
    runs: dict[str, Run] = {}
    committed: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-check.") as tmp:
        private_cache(Path(tmp))
        for variant, tgz in cases.items():
            where = Path(tmp) / variant / "committed"
            where.mkdir(parents=True)
            root = refresh(copy_variant(where, tgz, args.project))
            committed[variant] = names = [p.settings.env for p in pipeline.prepare_all(root)]
            check, cache = generator(root, "check"), where / "cache"
            run_once(check, env=cache_env(cache))  # the project passes check; warms the disk cache
            runs[f"{variant}/committed/cold"] = Run(check, emptier(cache), cache_env(cache))
            runs[f"{variant}/committed/warm"] = Run(check, None, cache_env(cache))
            runs[f"{variant}/committed/helm"] = Run(sequence([bare_helm(root, where / "helm" / "chart", n)
                                                              for n in names]))
            for count in args.counts:
                where = Path(tmp) / variant / str(count)
                where.mkdir()
                check, cache = generator(make_project(where, count, tgz, args.project), "check"), where / "cache"
                runs[f"{variant}/{count}/cold"] = Run(check, emptier(cache), cache_env(cache))
                runs[f"{variant}/{count}/warm"] = Run(check, None, cache_env(cache))
        timings = interleaved(runs, args.runs)
    print(f"{args.runs} interleaved runs each, medians; after: {load_note()}")
    for variant, tgz in cases.items():
        what = f"with the Bitnami subchart ({tgz.name})" if tgz else "without the Bitnami subchart"
        print(f"chart {what}:")
        names = committed[variant]
        h = timings[f"{variant}/committed/helm"]
        print(f"  {len(names)} bare helm template runs ({', '.join(names)}): {_ms(h)}")
        for cache in ("warm", "cold"):
            t = timings[f"{variant}/committed/{cache}"]
            print(f"  check of those {len(names)} environments ({cache}): {_ms(t)}")
        for cache in ("warm", "cold"):
            c = timings[f"{variant}/committed/{cache}"]
            label = "" if cache == "warm" else " cold"
            note = "" if cache == "warm" else " (reported; the goal is for warm)"
            for kind in ("wall", "cpu"):
                ratio = getattr(c, kind) / getattr(h, kind)
                print(f"  ratio check/{len(names)} helm{label} ({kind}): {verdict(ratio, HELM_GOAL)}{note}")
        for count in args.counts:
            w, c = timings[f"{variant}/{count}/warm"], timings[f"{variant}/{count}/cold"]
            print(f"  check, {count:3d} environments: warm {_ms(w)} ({w.wall / count * 1000:4.0f} ms each); "
                  f"cold {_ms(c)}")
        low, high = min(args.counts), max(args.counts)
        for cache in ("warm", "cold"):
            label = "" if cache == "warm" else " cold"
            for kind in ("wall", "cpu"):
                ratio = getattr(timings[f"{variant}/{high}/{cache}"], kind) / getattr(
                    timings[f"{variant}/{low}/{cache}"], kind)
                print(f"  ratio check({high})/check({low}){label} ({kind}): {verdict(ratio, SCALING_GOAL)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
