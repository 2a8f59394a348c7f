"""Copy throughput of `mirror` against local registries, next to a plain HTTP download of the
same blobs. Prints numbers; asserts nothing.

    .venv/bin/python bench/mirror_throughput.py [--mb 100] [--runs 3]

Two docker-registry processes on 127.0.0.1 (one anonymous playing Docker Hub, one with basic
auth playing ECR), an image index with a random (incompressible) layer of --mb megabytes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.images import copy as imagecopy
from generator.images import oci
from tests.support.registries import LocalRegistry, push_test_image, start_registry


def download(registry: str, repository: str, blobs: dict[str, int]) -> float:
    """Seconds to GET every blob once, streamed and discarded (no hashing, no upload)."""
    pool = urllib3.PoolManager()
    started = time.monotonic()
    for digest in blobs:
        response = pool.request("GET", f"http://{registry}/v2/{repository}/blobs/{digest}", preload_content=False)
        for _ in response.stream(oci.CHUNK):
            pass
        response.release_conn()
    return time.monotonic() - started


def upload(ecr: LocalRegistry, repository: str, blobs: dict[str, bytes]) -> float:
    """Seconds to push every blob once from memory (POST + monolithic PUT): the target's share."""
    started = time.monotonic()
    for data in blobs.values():
        ecr.push_blob(repository, data)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100, help="size of the random layer (MB)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mirror.") as tmp, \
            start_registry(Path(tmp) / "hub") as hub, \
            start_registry(Path(tmp) / "ecr", "AWS", "bench-token") as ecr:
        image = push_test_image(hub, "bitnami/redis", "8.2.1", big=args.mb * 1_000_000)
        total = sum(image.blobs.values())
        print(f"image: 2 platforms, {len(image.blobs)} blobs, {total / 1e6:.1f} MB")
        source = oci.Registry(hub.host)
        target = oci.Registry(ecr.host, oci.Credentials("AWS", "bench-token"))
        src = oci.Reference(hub.host, "bitnami/redis", "8.2.1")
        contents = {d: hub.blob("bitnami/redis", d) for d in image.blobs}
        rows: dict[str, list[float]] = {"plain GET of the blobs": [], "plain upload of the blobs": [],
                                        "mirror copy, 1 stream": [],
                                        "mirror copy, 4 streams": [], "mirror re-run (nothing to send)": []}
        for run in range(args.runs):
            rows["plain GET of the blobs"].append(download(hub.host, "bitnami/redis", image.blobs))
            rows["plain upload of the blobs"].append(upload(ecr, f"upload{run}/plain", contents))
            for workers in (1, 4):
                stats = imagecopy.copy_image(source, src, target, f"run{run}/w{workers}", "redis-8.2.1",
                                             workers=workers)
                assert stats.digest == image.index_digest and stats.bytes_sent == total
                rows[f"mirror copy, {workers} stream{'s' if workers > 1 else ''}"].append(stats.seconds)
            again = imagecopy.copy_image(source, src, target, f"run{run}/w4", "redis-8.2.1")
            assert again.bytes_sent == 0
            rows["mirror re-run (nothing to send)"].append(again.seconds)
        print(f"{'':34} {'median s':>9} {'MB/s':>8}   ({args.runs} runs)")
        for name, seconds in rows.items():
            median = statistics.median(seconds)
            rate = f"{total / median / 1e6:8.1f}" if "re-run" not in name else "       -"
            print(f"{name:34} {median:9.3f} {rate}")


if __name__ == "__main__":
    main()
