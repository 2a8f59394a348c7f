"""checkov beside `check`: over the real renders of every environment and over our known-bad cases.

Prints, per environment, checkov's failed checks with what we do about each one (caught by our
rules too, fixed through values, suppressed with a reason in .checkov.yaml), and, over the
known-bad cases of tests/check/policy/test_<family>.py, how many each tool catches. Run it through
scripts/checkov-compare, which installs the pinned checkov first.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import pipeline  # noqa: E402
from generator.check import policy  # noqa: E402

# What we do about each check checkov fails on our renders (or would, without our values).
VERDICT = {
    "CKV_K8S_40": "suppressed with a reason (.checkov.yaml): wants UID >= 10000, the seed promises 1001 "
                  "(TR-PSS-013 enforces 1001)",
    "CKV_K8S_43": "fixed through values when image_digest / metrics_image_digest are set (no digest is known "
                  "offline); our TR-IMG-002 (require_image_digest) and TR-IMG-003 (no rolling tag in prod) cover it",
    "CKV_K8S_15": "fixed through values: pullPolicy Always for tags, IfNotPresent for digests",
}


def checkov(binary: str, directory: Path, config: Path | None = None) -> list[dict[str, Any]]:
    command = [str(Path(binary).resolve()), "-d", str(directory), "--framework", "kubernetes", "-o", "json", "--quiet",
               "--skip-download", "--compact"]
    if config is not None:
        command += ["--config-file", str(config)]
    # cwd: checkov also reads a .checkov.yaml from the working directory; only --config-file may apply ours.
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=directory)
    if not done.stdout.strip():
        return []  # nothing to scan, or every check passed with nothing printed
    doc = json.loads(done.stdout)
    runs = doc if isinstance(doc, list) else [doc]
    return [c for run in runs for c in run.get("results", {}).get("failed_checks", [])]


def real_renders(binary: str) -> None:
    prepared = pipeline.prepare_all(ROOT)
    results = pipeline.render_checked(ROOT, [p.settings for p in prepared], [p.env.file for p in prepared])
    with tempfile.TemporaryDirectory() as tmp:
        for result in results:
            env = result.settings.env
            d = Path(tmp) / env
            d.mkdir()
            (d / "manifests.yaml").write_text(result.rendered)
            # The same render before this branch set pullPolicy: what checkov said of the seed's values.
            (Path(tmp) / f"{env}-before").mkdir()
            (Path(tmp) / f"{env}-before" / "manifests.yaml").write_text(
                result.rendered.replace('imagePullPolicy: "Always"', 'imagePullPolicy: "IfNotPresent"'))
            before = sorted({c["check_id"] for c in checkov(binary, Path(tmp) / f"{env}-before", None)})
            raw = checkov(binary, d, None)
            kept = checkov(binary, d, ROOT / ".checkov.yaml")
            ours = policy.evaluate(policy.context(result, ROOT))
            now, after = len({c["check_id"] for c in raw}), len({c["check_id"] for c in kept})
            print(f"{env}: {len(result.objects)} objects (subchart {'rendered' if result.subchart else 'absent'}); "
                  f"checkov fails {len(before)} checks with the seed's pull policy, {now} now, {after} after "
                  f".checkov.yaml; our rules: {ours.errors} errors")
            for check_id in sorted({*before, *(c["check_id"] for c in raw)}):
                print(f"  {check_id}: {VERDICT.get(check_id, 'NOT CLASSIFIED')}")


def _known_bad() -> dict[str, list[Any]]:
    """The BAD tables of tests/check/policy/test_<family>.py, merged."""
    import importlib

    found: dict[str, list[Any]] = {}
    for path in sorted((Path(__file__).resolve().parent.parent / "tests" / "check" / "policy").glob("test_*.py")):
        found.update(getattr(importlib.import_module(f"tests.check.policy.{path.stem}"), "BAD", {}))
    return found


def known_bad(binary: str) -> None:
    from tests.support.policy_objects import Case

    BAD = _known_bad()

    with tempfile.TemporaryDirectory() as tmp:
        cases: dict[str, tuple[str, str]] = {}
        good = Case()
        _write(Path(tmp) / "good.yaml", good.objects)
        n = 0
        for rule, items in BAD.items():
            for label, breaker in items:
                case = Case()
                patch = breaker(case)
                if isinstance(patch, dict) or not case.subchart or case.settings:
                    continue  # a values- or settings-only case: nothing rendered differs for checkov
                n += 1
                name = f"case{n:02d}.yaml"
                _write(Path(tmp) / name, case.objects)
                cases[name] = (rule, label)
        failed = checkov(binary, Path(tmp), None)
        by_file: dict[str, set[str]] = {}
        for c in failed:
            by_file.setdefault(Path(c["file_path"]).name, set()).add(c["check_id"])
        baseline = by_file.get("good.yaml", set())
        caught = 0
        print(f"\nknown-bad rendered cases: {len(cases)} (each fires our rule; see "
              "tests/check/policy/test_<family>.py)")
        for name, (rule, label) in sorted(cases.items()):
            extra = sorted(by_file.get(name, set()) - baseline)
            caught += bool(extra)
            print(f"  {rule} {label}: checkov {', '.join(extra) if extra else 'silent'}")
        families: dict[str, list[int]] = {}
        for name, (rule, _) in cases.items():
            fam = rule.split("-")[1]
            families.setdefault(fam, [0, 0])
            families[fam][0] += 1
            families[fam][1] += bool(by_file.get(name, set()) - baseline)
        print(f"checkov catches {caught} of {len(cases)}; by family: "
              + ", ".join(f"{fam} {c}/{t}" for fam, (t, c) in sorted(families.items())))
        print(f"checkov on the good release: {', '.join(sorted(baseline)) or 'nothing'}")


def _write(path: Path, objects: Sequence[dict[str, Any]]) -> None:
    path.write_text("".join("---\n" + yaml.safe_dump(copy.deepcopy(o), sort_keys=False) for o in objects))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--checkov", required=True)
    p.add_argument("--skip-cases", action="store_true", help="only the real renders")
    args = p.parse_args(argv)
    real_renders(args.checkov)
    if not args.skip_cases:
        known_bad(args.checkov)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
