"""Benchmark: generate a synthetic shop of about N events, then write it and read it back.

Run: .venv/bin/python tests/benchmarks/bench_synthetic.py [--events 1000000] [--browsing] [--write]
Prints the arguments chosen by scale_for_events, the seconds of each phase, the events made and the
peak resident memory of this process (the generation runs first, so the peak printed right after it
is the generator's own). With --write, the shop is also written as Parquet and loaded back through
features.loaders.load_canonical.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from features.loaders import load_canonical
from features.synthetic import generate_shop, scale_for_events


def peak_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--browsing", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    shape = scale_for_events(args.events, days=args.days, with_browsing=args.browsing)
    t1 = time.perf_counter()
    shop = generate_shop(**shape, seed=args.seed, with_browsing=args.browsing)
    t2 = time.perf_counter()
    counts = shop.events["event_type"].value_counts().to_dict()
    print(f"scale_for_events({args.events}) -> {shape} in {t1 - t0:.2f} s")
    print(f"generate_shop: {len(shop.events):,} events {counts} in {t2 - t1:.2f} s")
    print(
        f"  customers {len(shop.customers):,}, items {len(shop.items):,}, "
        f"promotions {len(shop.promotions):,}; peak RSS {peak_mib():,.0f} MiB"
    )
    if args.write:
        with tempfile.TemporaryDirectory() as tmp:
            paths = shop.write(Path(tmp), "parquet")
            t3 = time.perf_counter()
            loaded = load_canonical(paths["events"]).events
            t4 = time.perf_counter()
            print(
                f"write parquet {t3 - t2:.2f} s; load_canonical {len(loaded):,} rows {t4 - t3:.2f} s"
            )
            print(f"  peak RSS {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
