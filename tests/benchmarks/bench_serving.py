"""Load benchmark of the HTTP service against a minimal FastAPI + numpy endpoint, in the same run.

Run: .venv/bin/python tests/benchmarks/bench_serving.py --source /work/shared/data/online_retail_ii_2009_2010.parquet

- Ingests `--source` and trains every model in a temporary SHOPML_HOME and MLflow store (under it).
  With `--home` (or SHOPML_HOME set) it reuses that home and its MLflow store (MLFLOW_TRACKING_URI
  or SHOPML_MLRUNS_DIR when set, else `<home>/mlruns`) and trains only the families without a
  champion.
- Starts `shopml serve --workers 2` on 127.0.0.1, and the minimal endpoint (4,000 items x 64
  factors, top 10 by dot product) under uvicorn with the same settings (2 workers, uvloop,
  httptools, no uvicorn access log).
- Drives each with a bounded asyncio load generator (keep-alive HTTP/1.1 over raw sockets, 16
  connections, fixed duration) over 1,000 real customer ids, items and forecast series; only
  loopback addresses. The generator shares the machine's cores with the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
N_ITEMS, N_FACTORS, N_USERS = 4_000, 64, 5_000


# ---- the minimal endpoint ------------------------------------------------------------------------
def create_minimal_app() -> object:
    """FastAPI + numpy: score 4,000 items with 64 factors for a user, answer the top 10."""
    import numpy as np
    from fastapi import FastAPI

    rng = np.random.default_rng(0)
    items = rng.standard_normal((N_ITEMS, N_FACTORS)).astype(np.float32)
    users = rng.standard_normal((N_USERS, N_FACTORS)).astype(np.float32)
    item_ids = [f"item{i}" for i in range(N_ITEMS)]
    app = FastAPI()

    @app.get("/score/{customer_id}")
    async def score(customer_id: str, k: int = 10) -> dict:
        scores = items @ users[hash(customer_id) % N_USERS]
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        return {"customer_id": customer_id, "items": [{"item_id": item_ids[i], "score": float(scores[i])} for i in top]}

    return app


# ---- load generator ------------------------------------------------------------------------------
@dataclass
class Result:
    """What one load run measured."""

    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0  # connection errors and non-2xx answers
    notes: str = ""

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _one_connection(port: int, paths: list[str], stop_at: float, warm_until: float, result: Result,
                          rng: random.Random) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            path = paths[rng.randrange(len(paths))]
            request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
            start = time.perf_counter()
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                        break
                await reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.failures += 1
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
                continue
            end = time.perf_counter()
            if start >= warm_until:
                result.latencies.append(end - start)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if not 200 <= status < 300:
                    result.failures += 1
    finally:
        writer.close()


async def drive(name: str, port: int, paths: list[str], *, connections: int, seconds: float, warmup: float,
                midway: Callable[[], object] | None = None) -> Result:
    """Keep `connections` keep-alive connections busy for warmup + seconds; measure after the warm-up."""
    start = time.perf_counter()
    warm_until, stop_at = start + warmup, start + warmup + seconds
    result = Result(name, seconds)
    rng = random.Random(7)
    tasks = [asyncio.create_task(_one_connection(port, paths, stop_at, warm_until, result, random.Random(rng.random())))
             for _ in range(connections)]
    if midway is not None:
        await asyncio.sleep(warmup + seconds / 2)
        result.notes = str(await asyncio.to_thread(midway))
    await asyncio.gather(*tasks)
    return result


# ---- servers -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, path: str, timeout: float, proc: subprocess.Popen) -> None:
    """Wait until `path` answers 200 several times in a row (both workers up)."""
    import httpx

    deadline, ok = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            ok = ok + 1 if httpx.get(f"http://{HOST}:{port}{path}", timeout=2).status_code == 200 else 0
        except httpx.HTTPError:
            ok = 0
        if ok >= 10:
            return
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not ready after {timeout} s")


def start_server(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "wb")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ---- data and models -----------------------------------------------------------------------------
def shopml(env: dict[str, str], *argv: str) -> None:
    cmd = [str(ROOT / ".venv/bin/shopml"), *argv]
    print("$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def prepare_home(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Ingest (idempotent) and train every family that has a trainer but no champion yet."""
    import training.cli  # noqa: F401  (registers the trainers)
    from features.settings import Settings
    from training.cli.apps import TRAIN_ORDER, TRAINERS
    from training.tracking import champion_version

    settings = Settings()
    missing = [f for f in TRAIN_ORDER if f in TRAINERS and champion_version(settings, f) is None]
    if not missing:
        print(f"reusing the champions in {settings.tracking_uri}", flush=True)
        return
    t0 = time.perf_counter()
    shopml(env, "ingest", str(args.source), "--format", "online-retail")
    for family in missing:
        shopml(env, "train", family)
    print(f"ingest + train ({', '.join(missing)}): {time.perf_counter() - t0:.0f} s", flush=True)


def request_ids(env: dict[str, str], n_customers: int) -> dict[str, list[str]]:
    """1,000 real customer ids (purchasers), and the items and series the serving models know."""
    from features.settings import Settings
    from features.store import EventStore
    from serving.registry import runtime_class
    from training.tracking import download_model

    settings = Settings()
    store = EventStore.from_settings(settings)
    purchases = store.read_events(event_types=["purchase"])
    store.close()
    customers = sorted(set(purchases["customer_id"].dropna().astype(str)))
    rng = random.Random(1)
    ids = {"customers": rng.sample(customers, min(n_customers, len(customers)))}
    ids["items"], ids["series"] = [], []
    rec_path = download_model(settings, "recommender")
    if rec_path is not None:
        known_items = set(map(str, runtime_class("recommender").load(rec_path).item_ids()))
        ids["items"] = [i for i in purchases["item_id"].astype(str).value_counts().index if i in known_items][:1000]
    fc_path = download_model(settings, "forecast")
    if fc_path is not None:
        ids["series"] = sorted(map(str, runtime_class("forecast").load(fc_path).series_ids()))[:1000]
    return ids


# ---- report --------------------------------------------------------------------------------------
def row(r: Result, baseline: float) -> str:
    statuses = ",".join(f"{k}:{v}" for k, v in sorted(r.statuses.items()))
    return (f"| {r.name} | {r.requests} | {r.throughput:,.0f} | {r.throughput / baseline:.2f}x | {r.pct(0.5):.2f} | "
            f"{r.pct(0.99):.2f} | {r.pct(0.999):.2f} | {r.failures} | {statuses} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="Online Retail (II) file to ingest and train on")
    parser.add_argument("--home", type=Path, help="reuse this SHOPML_HOME (its mlruns/ holds the MLflow store)")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per endpoint (over all rounds)")
    parser.add_argument("--rounds", type=int, default=10, help="round-robin rounds over the endpoints")
    parser.add_argument("--warmup", type=float, default=0.5, help="unmeasured seconds before each measured part")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary home")
    parser.add_argument("--driver", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python",
                        help="load generator: wrk (C, Debian package `wrk`; the default when installed) or the "
                             "asyncio one in this file")
    parser.add_argument("--log-level", default="info",
                        help="SHOPML_LOG_LEVEL of the service (info: one JSON access-log line per request, the default)")
    args = parser.parse_args()
    if args.connections > 64 or args.seconds > 120:
        parser.error("bounded load only: at most 64 connections and 120 s per run")

    reuse = args.home or (Path(os.environ["SHOPML_HOME"]) if os.environ.get("SHOPML_HOME") else None)
    home = reuse or Path(tempfile.mkdtemp(prefix="shopml-bench-serving-"))
    home.mkdir(parents=True, exist_ok=True)
    metrics_dir = Path(tempfile.mkdtemp(prefix="shopml-prom-"))
    admin_key = secrets.token_hex(16)
    env = {"SHOPML_MLRUNS_DIR": str(home / "mlruns"), **os.environ, "SHOPML_HOME": str(home),
           "SHOPML_ADMIN_API_KEY": admin_key, "SHOPML_LOG_LEVEL": args.log_level, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    if reuse is None:  # a fresh home: its own store and MLflow store, whatever the environment says
        env["SHOPML_MLRUNS_DIR"] = str(home / "mlruns")
        for key in ("MLFLOW_TRACKING_URI", "SHOPML_DATABASE_URL"):
            env.pop(key, None)
            os.environ.pop(key, None)
    os.environ.update({k: env[k] for k in ("SHOPML_HOME", "SHOPML_MLRUNS_DIR", "OPENBLAS_NUM_THREADS")})
    prepare_home(args, env)
    ids = request_ids(env, args.customers)
    print(f"ids: {len(ids['customers'])} customers, {len(ids['items'])} items, {len(ids['series'])} series", flush=True)

    shop_port, min_port = free_port(), free_port()
    shop = start_server([str(ROOT / ".venv/bin/shopml"), "serve", "--host", HOST, "--port", str(shop_port),
                         "--workers", str(args.workers)], env, home / "serve.log")
    minimal = start_server([sys.executable, "-m", "uvicorn", "tests.benchmarks.bench_serving:create_minimal_app",
                            "--factory", "--host", HOST, "--port", str(min_port), "--workers", str(args.workers),
                            "--log-level", "warning", "--no-access-log"], env, home / "minimal.log")
    try:
        wait_ready(shop_port, "/ready", 300, shop)
        wait_ready(min_port, "/score/x", 60, minimal)
        results = run_all(args, ids, shop_port, min_port, admin_key)
    finally:
        stop_server(shop)
        stop_server(minimal)
        shutil.rmtree(metrics_dir, ignore_errors=True)
        if reuse is None and not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    report(args, results)


def run_all(args: argparse.Namespace, ids: dict[str, list[str]], shop_port: int, min_port: int,
            admin_key: str) -> list[Result]:
    import httpx

    customers = [f"/v1/recommendations/{c}?k=10" for c in ids["customers"]]
    runs = [
        ("minimal FastAPI+numpy /score/{id}", min_port, [f"/score/{c}?k=10" for c in ids["customers"]], None),
        ("GET /v1/recommendations/{id}", shop_port, customers, None),
        ("GET /v1/items/{id}/similar", shop_port, [f"/v1/items/{i}/similar?k=10" for i in ids["items"]], None),
        ("GET /v1/forecasts/{id}", shop_port, [f"/v1/forecasts/{s}?horizon=8&freq=W" for s in ids["series"]], None),
    ]

    def reload() -> str:
        t0 = time.perf_counter()
        r = httpx.post(f"http://{HOST}:{shop_port}/v1/admin/reload?force=true",
                       headers={"X-API-Key": admin_key}, timeout=300)
        outcomes = {x["family"]: x["outcome"] for x in r.json().get("results", [])} if r.status_code == 200 else {}
        return f"reload answered {r.status_code} in {time.perf_counter() - t0:.1f} s: {outcomes}"

    runs = [run for run in runs if run[2]]  # a family with no model has no ids to ask for
    if args.driver == "wrk":
        return run_all_wrk(args, runs, customers, shop_port, reload)
    merged: dict[str, Result] = {}
    for round_no in range(args.rounds):  # round-robin, so a burst of background load hits every run alike
        for name, port, paths, midway in runs:
            part = asyncio.run(drive(name, port, paths, connections=args.connections,
                                     seconds=args.seconds / args.rounds, warmup=args.warmup, midway=midway))
            total = merged.setdefault(name, Result(name, 0.0))
            total.seconds += part.seconds
            total.latencies += part.latencies
            total.failures += part.failures
            for status, count in part.statuses.items():
                total.statuses[status] = total.statuses.get(status, 0) + count
            print(f"  round {round_no + 1}/{args.rounds} {name}: {part.throughput:,.0f} req/s, "
                  f"p99 {part.pct(0.99):.1f} ms", flush=True)
    results = list(merged.values())
    reload_run = asyncio.run(drive("GET /v1/recommendations/{id} + reload midway", shop_port, customers,
                                   connections=args.connections, seconds=args.seconds, warmup=args.warmup,
                                   midway=reload))
    results.append(reload_run)
    return results


def run_all_wrk(args: argparse.Namespace, runs: list, customers: list[str], shop_port: int,
                reload: Callable[[], str]) -> list:
    """The same rounds as run_all, driven by wrk."""
    from tests.benchmarks.wrk_load import WrkResult, run_wrk

    merged: dict[str, WrkResult] = {}
    per_round = max(1.0, args.seconds / args.rounds)
    for round_no in range(args.rounds):
        for name, port, paths, _ in runs:
            run_wrk(HOST, port, paths, connections=args.connections, seconds=max(1.0, args.warmup))  # warm-up
            part = run_wrk(HOST, port, paths, connections=args.connections, seconds=per_round)
            merged.setdefault(name, WrkResult(name)).runs.append(part)
            print(f"  round {round_no + 1}/{args.rounds} {name}: {part.requests / part.seconds:,.0f} req/s, "
                  f"p99 {part.p99:.1f} ms, {part.failures} failed", flush=True)
    reload_run = WrkResult("GET /v1/recommendations/{id} + reload midway")
    reload_run.runs.append(run_wrk(HOST, shop_port, customers, connections=args.connections,
                                   seconds=args.seconds, midway=reload))
    return [*merged.values(), reload_run]


def report(args: argparse.Namespace, results: list[Result]) -> None:
    baseline = next(r.throughput for r in results if r.name.startswith("minimal"))
    print()
    print(f"## serving load benchmark: {args.connections} connections, {args.workers} workers, "
          f"{args.seconds:.0f} s per endpoint in {args.rounds} round-robin rounds (each after {args.warmup:.1f} s "
          f"warm-up), reload run {args.seconds:.0f} s, on {os.cpu_count()} cores, "
          f"service log level {args.log_level} (info: JSON access log on), Prometheus multiprocess mode on")
    if args.driver == "wrk":
        print("load generator: wrk, 1 thread; percentiles pooled over every round from wrk's quantiles")
    else:
        print("load generator: one Python asyncio process; percentiles pooled over every round")
    print("NOTE: the load generator runs on the same cores as the servers, so every number here is lower")
    print("than a dedicated client would measure, for the minimal endpoint too.")
    print()
    print("| run | requests | req/s | vs minimal | p50 ms | p99 ms | p99.9 ms | failed | statuses |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(row(r, baseline))
    print()
    print(f"minimal endpoint throughput: {baseline:,.0f} req/s")
    print(f"machine load average while measuring: {os.getloadavg()}")
    for r in results:
        if r.notes:
            print(f"{r.name}: {r.notes}")
    print()
    print("targets: throughput >= 0.70x minimal, p99 <= 15 ms, zero failed requests; across the reload: zero failed")
    for r in results:
        if r.name.startswith("minimal"):
            continue
        ratio, p99 = r.throughput / baseline, r.pct(0.99)
        if "reload" in r.name:
            verdict = "met" if r.failures == 0 else "NOT met"
        else:
            verdict = "met" if ratio >= 0.7 and p99 <= 15 and r.failures == 0 else "NOT met"
        print(f"  {r.name}: {ratio:.2f}x, p99 {p99:.2f} ms, {r.failures} failed -> {verdict}")
    print(json.dumps({r.name: {"rps": round(r.throughput, 1), "p50_ms": round(r.pct(0.5), 3),
                               "p99_ms": round(r.pct(0.99), 3), "failed": r.failures} for r in results}))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
