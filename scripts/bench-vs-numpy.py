#!/usr/bin/env python3
"""Compare eff's kernels with numpy (OpenBLAS) sgemv/sgemm on the same shapes, in one run.

Runs `eff bench --format json` for the requested shapes, then times numpy on the same
shapes with the same thread counts (OPENBLAS_NUM_THREADS is set per thread count by re-running
this script's numpy part in a child process, because OpenBLAS reads it only at start-up),
and prints one line per eff record with numpy's time and the ratio numpy_time / eff_time
(> 1 means eff is faster). Needs numpy only.

    python3 scripts/bench-vs-numpy.py --eff .build/release/eff --sizes 1024,8192 --batches 1,64 --threads 1,2
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def time_numpy(rows, cols, batch, minimum_seconds):
    """Median seconds of y = W·x (batch 1, sgemv) or Y = X·Wᵀ (sgemm) in f32."""
    import numpy as np
    rng = np.random.default_rng(42)
    w = rng.uniform(-1, 1, size=(rows, cols)).astype(np.float32)
    if batch == 1:
        x = rng.uniform(-1, 1, size=cols).astype(np.float32)
        run = lambda: w @ x
    else:
        x = rng.uniform(-1, 1, size=(batch, cols)).astype(np.float32)
        run = lambda: x @ w.T
    run(); run()
    times, total = [], 0.0
    while len(times) < 5 or (total < minimum_seconds and len(times) < 50):
        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        total += elapsed
    return statistics.median(times)


def numpy_child(args):
    """Entry point of the child process: prints {"rows","cols","batch","median_s"} records as JSON lines."""
    for shape in json.loads(args.numpy_shapes):
        rows, cols, batch = shape
        print(json.dumps({"rows": rows, "cols": cols, "batch": batch,
                          "median_s": time_numpy(rows, cols, batch, args.minimum_seconds)}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eff", default=".build/release/eff", help="path to the eff binary (default: %(default)s)")
    parser.add_argument("--subcommand", default="bench", help="eff's bench subcommand; empty if --eff is a bench-only binary")
    parser.add_argument("--formats", default="f32,int8,int4,ternary,binary")
    parser.add_argument("--sizes", default="1024,4096,8192")
    parser.add_argument("--batches", default="1")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--minimum-seconds", type=float, default=0.5)
    parser.add_argument("--numpy-shapes", help=argparse.SUPPRESS)
    parser.add_argument("--numpy-threads", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.numpy_shapes:
        numpy_child(args)
        return

    batches = [int(b) for b in args.batches.split(",")]
    kernels = ",".join(k for k, wanted in (("gemv", 1 in batches), ("gemm", any(b > 1 for b in batches))) if wanted)
    command = [args.eff] + ([args.subcommand] if args.subcommand else []) + [
        "--format", "json", "--kernels", kernels, "--formats", args.formats, "--sizes", args.sizes,
        "--batches", args.batches, "--threads", args.threads, "--minimum-seconds", str(args.minimum_seconds)]
    try:
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"running {' '.join(command)} failed: {error}\n{getattr(error, 'stderr', '') or ''}")
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]

    numpy_times = {}
    for threads in sorted({r["threads"] for r in records}):
        shapes = sorted({(r["rows"], r["cols"], r["batch"]) for r in records if r["threads"] == threads})
        environment = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
        child = subprocess.run([sys.executable, __file__, "--numpy-shapes", json.dumps(shapes),
                                "--minimum-seconds", str(args.minimum_seconds)],
                               check=True, capture_output=True, text=True, env=environment)
        for line in child.stdout.splitlines():
            item = json.loads(line)
            numpy_times[(item["rows"], item["cols"], item["batch"], threads)] = item["median_s"]

    print(f"{'kernel':6} {'format':12} {'rows':>6} {'cols':>6} {'batch':>5} {'thr':>3} "
          f"{'eff ms':>9} {'GB/s':>7} {'GOP/s':>8} {'numpy f32 ms':>12} {'numpy/eff':>9}")
    for r in records:
        numpy_seconds = numpy_times.get((r["rows"], r["cols"], r["batch"], r["threads"]))
        ratio = numpy_seconds / r["median_s"] if numpy_seconds else float("nan")
        print(f"{r['kernel']:6} {r['format']:12} {r['rows']:6} {r['cols']:6} {r['batch']:5} {r['threads']:3} "
              f"{r['median_s'] * 1e3:9.3f} {r['gbps']:7.2f} {r['gops']:8.2f} {numpy_seconds * 1e3:12.3f} {ratio:9.2f}")


if __name__ == "__main__":
    main()
