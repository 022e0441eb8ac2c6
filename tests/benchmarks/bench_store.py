"""Benchmark: load ~1M synthetic events into the event store and read them back.

Run: python tests/benchmarks/bench_store.py [--events 1000000] [--postgres]
Each phase runs in its own process so its peak memory is its own. The baseline in the same run is
writing and reading the same events as a Parquet file with pyarrow (no keys, no index, no durability).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_generate(events: int, out: Path) -> dict:
    from features.synthetic import generate_shop, scale_for_events

    t0 = time.perf_counter()
    shop = generate_shop(**scale_for_events(events), seed=1)
    seconds = time.perf_counter() - t0
    shop.events.to_parquet(out)
    return {"rows": len(shop.events), "seconds": seconds}


def phase_parquet(src: Path, work: Path) -> dict:
    import pandas as pd

    frame = pd.read_parquet(src)
    t0 = time.perf_counter()
    frame.to_parquet(work / "copy.parquet")
    back = pd.read_parquet(work / "copy.parquet")
    return {"rows": len(back), "seconds": time.perf_counter() - t0}


def phase_store_write(src: Path, url: str) -> dict:
    import pandas as pd

    from features.loaders import LoadResult
    from features.store import EventStore

    frame = pd.read_parquet(src)
    store = EventStore(url)
    t0 = time.perf_counter()
    stats = store.ingest(LoadResult(str(src), frame, rows_read=len(frame)))
    write = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = store.ingest(LoadResult(str(src), frame, rows_read=len(frame)))
    return {"rows": stats.added, "seconds": write, "reload_added": again.added,
            "reload_seconds": time.perf_counter() - t0}


def phase_store_read(url: str) -> dict:
    from features.store import EventStore

    store = EventStore(url)
    t0 = time.perf_counter()
    events = store.read_events()
    return {"rows": len(events), "seconds": time.perf_counter() - t0}


def run_phase(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", *args], capture_output=True, text=True, cwd=ROOT,
                         check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=None, help="also benchmark this PostgreSQL URL")
    parser.add_argument("--phase", nargs="*")
    ns = parser.parse_args()
    if ns.phase:
        name, *rest = ns.phase
        result = {"generate": lambda: phase_generate(int(rest[0]), Path(rest[1])),
                  "parquet": lambda: phase_parquet(Path(rest[0]), Path(rest[1])),
                  "write": lambda: phase_store_write(Path(rest[0]), rest[1]),
                  "read": lambda: phase_store_read(rest[0])}[name]()
        result["peak_mib"] = _peak_mib()
        print(json.dumps(result))
        return
    work = Path(tempfile.mkdtemp(prefix="shopml-bench-"))
    src = work / "events.parquet"
    rows = []
    gen = run_phase(["generate", str(ns.events), str(src)])
    rows.append(("generate synthetic shop", gen))
    rows.append(("baseline: parquet write+read", run_phase(["parquet", str(src), str(work)])))
    targets = [("sqlite", f"sqlite:///{work / 'events.db'}")]
    if ns.postgres:
        targets.append(("postgresql", ns.postgres))
    for label, url in targets:
        write = run_phase(["write", str(src), url])
        rows.append((f"{label}: ingest (atomic, keyed)", write))
        rows.append((f"{label}: re-ingest same rows", {"rows": write["reload_added"],
                     "seconds": write["reload_seconds"], "peak_mib": write["peak_mib"]}))
        rows.append((f"{label}: read back all events", run_phase(["read", url])))
    base = rows[1][1]["seconds"]
    print(f"{'phase':<36}{'rows':>12}{'seconds':>10}{'x parquet':>11}{'peak MiB':>10}")
    for name, r in rows:
        print(f"{name:<36}{r['rows']:>12,}{r['seconds']:>10.2f}{r['seconds'] / base:>11.1f}{r['peak_mib']:>10.0f}")


if __name__ == "__main__":
    main()
