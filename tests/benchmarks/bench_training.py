"""Benchmark: train every model on a large synthetic shop (about N events), through the command line.

Run: python tests/benchmarks/bench_training.py [--events 1200000] [--keep DIR]
Generates the shop (features.synthetic, seed 1), writes it as Parquet, then runs `shopml ingest` and
`shopml train recommender|forecast|churn` in a fresh SHOPML_HOME and MLflow registry, each in its own process, and prints
the wall-clock seconds, the peak memory of each process and its time relative to the ingest of the
same files in the same run. The shop's size (customers, items, days) is printed first.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOPML = [str(Path(sys.executable).parent / "shopml")]  # the entry point installed beside this Python
MODELS = ("recommender", "forecast", "churn")


def make_shop(events: int, folder: Path) -> dict[str, Path]:
    """Generate the synthetic shop and write its tables as Parquet; prints its shape."""
    from features.synthetic import generate_shop, scale_for_events

    shape = scale_for_events(events)
    shop = generate_shop(n_customers=shape["n_customers"], n_items=shape["n_items"], days=shape["days"], seed=1)
    print(f"shop: {len(shop.events):,} events, {shape['n_customers']:,} customers, {shape['n_items']:,} items, "
          f"{shape['days']} days")
    return shop.write(folder, "parquet")


def timed(args: list[str], env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """Run a command; its wall-clock seconds, peak resident MiB and exit code (output to `log`)."""
    t0 = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_200_000)
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="shopml-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    files = make_shop(args.events, work / "files")
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "SHOPML_MLFLOW_TRACKING_URI")}
    env.update(SHOPML_HOME=str(work / "home"), SHOPML_MLRUNS_DIR=str(work / "mlruns"))  # a registry of its own
    ingest = [*SHOPML, "ingest", str(files["events"]), "--items", str(files["items"]),
              "--customers", str(files["customers"]), "--promotions", str(files["promotions"])]
    phases = [("ingest", ingest)] + [(f"train {m}", [*SHOPML, "train", m]) for m in MODELS]
    print(f"{'phase':<20}{'seconds':>10}{'x ingest':>10}{'peak MiB':>10}  exit")
    base = None
    for name, command in phases:
        seconds, peak, code = timed(command, env, work / f"{name.replace(' ', '_')}.log")
        base = base or seconds
        print(f"{name:<20}{seconds:>10.1f}{seconds / base:>10.1f}{peak:>10.0f}  {code}", flush=True)
        if code != 0:
            print(f"  failed: see {work / (name.replace(' ', '_') + '.log')}")
    print(f"logs and store: {work}")


if __name__ == "__main__":
    main()
