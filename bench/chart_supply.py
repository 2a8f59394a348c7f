"""The chart's supply chain, timed: build's fetch (registry client, verified) next to `helm pull`
of the same archive, mirror's copy and skip, and how long a fetch takes to give up on a closed
port and on a peer that accepts and never answers. Prints numbers; asserts nothing.

    .venv/bin/python bench/chart_supply.py [--archive chart/charts/redis-23.1.1.tgz] [--runs 5] [--deadline 3]

Two docker-registry processes on 127.0.0.1 (Docker Hub's and ECR's stand-ins). The archive is
pushed with the pinned helm; without --archive a small chart is packaged first.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.core.settings import Settings
from generator.images import chart, chartfetch, oci
from generator.load import environment
from generator.validate import schema
from tests.support.charts import HELMS, Helm, package, sha
from tests.support.registries import start_registry

ROOT = Path(__file__).resolve().parent.parent


def median(runs: int, step: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.monotonic()
        step()
        times.append(time.monotonic() - started)
    return statistics.median(times)


def settings_for(repository: str) -> Settings:
    env = environment.load(ROOT, "dev")
    settings = schema.validate(env)
    return Settings(**{**settings.__dict__, "chart_repository": repository, "chart_version": "23.1.1"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", type=Path, help="a redis-23.1.1.tgz to push (default: a small stand-in)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--deadline", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-chart.") as tmp, \
            start_registry(Path(tmp) / "hub") as hub, \
            start_registry(Path(tmp) / "ecr", "AWS", "bench-token") as ecr:
        base = Path(tmp)
        helm = Helm("helm4", HELMS["helm4"], base / "helm-home")
        tgz = args.archive if args.archive else package(base, helm, "23.1.1")
        helm.push(tgz, hub, "bitnamicharts")
        print(f"archive: {tgz.stat().st_size} bytes, {sha(tgz)}")
        settings = settings_for(f"oci://{hub.host}/bitnamicharts")
        dest = base / "charts" / "redis-23.1.1.tgz"

        def fetch() -> None:
            dest.unlink(missing_ok=True)
            chartfetch.fetch(Settings(**{**settings.__dict__, "chart_digest": sha(tgz)}), dest, 15)

        def helm_pull() -> None:
            out = base / "pulled"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            helm.run("pull", f"oci://{hub.host}/bitnamicharts/redis", "--version", "23.1.1", "--plain-http",
                     "-d", str(out))

        print(f"fetch (registry client, pinned): {median(args.runs, fetch):.3f} s")
        print(f"helm pull of the same:           {median(args.runs, helm_pull):.3f} s")
        source, target = oci.Registry(hub.host), oci.Registry(ecr.host, oci.Credentials("AWS", "bench-token"))
        started = time.monotonic()
        done = chart.copy(source, "bitnamicharts/redis", "23.1.1", target, "twofa/charts/redis", sha(tgz))
        print(f"mirror copy: {done.status} in {time.monotonic() - started:.3f} s")
        skipped = median(args.runs, lambda: chart.copy(source, "bitnamicharts/redis", "23.1.1", target,
                                                       "twofa/charts/redis", sha(tgz)))
        print(f"mirror re-run (skipped, pinned): {skipped:.3f} s")

        for peer in ("closed port", "accepts, never answers"):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
                if peer == "closed port":
                    sock.close()
                else:
                    sock.listen(16)
                unreachable = settings_for(f"oci://127.0.0.1:{port}/bitnamicharts")
                started = time.monotonic()
                try:
                    chartfetch.fetch(unreachable, base / "never.tgz", args.deadline)
                except oci.Unreachable as e:
                    print(f"fetch, {peer}: gave up after {time.monotonic() - started:.2f} s (deadline "
                          f"{args.deadline:g} s): {e}")


if __name__ == "__main__":
    main()
