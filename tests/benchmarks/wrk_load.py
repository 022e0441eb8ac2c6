"""Drive one endpoint with wrk (a C load generator) over a list of paths, for bench_serving.

wrk uses far less CPU per request than a Python client, so on a 2-core machine the servers get more
of the cores. It is optional: `shutil.which("wrk")` is None on a machine without Debian's `wrk`.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

LUA = r"""
local paths = {}
for line in io.lines(os.getenv("SHOPML_WRK_PATHS")) do paths[#paths + 1] = line end
local counter = 1
function setup(thread)
  thread:set("seed", counter)
  counter = counter + 1
end
function init(args)
  math.randomseed(seed * 7919)
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function done(summary, latency, requests)
  local e = summary.errors
  local q = {}
  for i = 1, 990 do q[#q + 1] = string.format("%d", latency:percentile((i - 0.5) / 10)) end
  for i = 1, 100 do q[#q + 1] = string.format("%d", latency:percentile(99 + (i - 0.5) / 100)) end
  io.write(string.format(
    'SHOPML_JSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, "quantiles_us": [%s]}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status, table.concat(q, ",")))
end
"""


# wrk reports quantiles, not single latencies: each run's latency distribution is kept as 1,090
# quantile points (0.05 % .. 98.95 % in steps of 0.1 %, then 99.005 % .. 99.995 % in steps of 0.01 %),
# each standing for a known share of that run's requests, so runs can be pooled by weight.
QUANTILE_MASS = np.array([0.001] * 990 + [0.0001] * 100)


@dataclass
class WrkRun:
    """What one wrk run measured: latency quantile points in milliseconds, failures, duration."""

    requests: int
    seconds: float
    quantiles_ms: np.ndarray
    failures: int
    notes: str = ""

    @property
    def p99(self) -> float:
        return pooled_percentile([self], 0.99)


def pooled_percentile(runs: list[WrkRun], q: float) -> float:
    """The q-quantile of the latency of every request of `runs` together (weighted quantile points)."""
    if not runs:
        return float("nan")
    values = np.concatenate([r.quantiles_ms for r in runs])
    weights = np.concatenate([QUANTILE_MASS * r.requests for r in runs])
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(len(order) - 1, int(np.searchsorted(cumulative, q)))])


@dataclass
class WrkResult:
    """Several wrk runs of one endpoint, their latency distributions pooled by request count."""

    name: str
    runs: list[WrkRun] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.runs)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        return sum(r.failures for r in self.runs)

    @property
    def notes(self) -> str:
        return "; ".join(r.notes for r in self.runs if r.notes)

    @property
    def statuses(self) -> dict[int, int]:
        return {}

    def pct(self, q: float) -> float:
        """Latency percentile over every request of every run, in milliseconds."""
        return pooled_percentile(self.runs, q)


def run_wrk(host: str, port: int, paths: list[str], *, connections: int, seconds: float, threads: int = 1,
            midway: Callable[[], object] | None = None) -> WrkRun:
    """One wrk run of `seconds` against random `paths`; `midway` is called halfway through."""
    with tempfile.TemporaryDirectory(prefix="shopml-wrk-") as tmp:
        script, listing = Path(tmp) / "paths.lua", Path(tmp) / "paths.txt"
        script.write_text(LUA)
        listing.write_text("\n".join(paths) + "\n")
        cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s", "-s", str(script),
               f"http://{host}:{port}"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={"SHOPML_WRK_PATHS": str(listing), "PATH": "/usr/bin:/bin"})
        notes: list[str] = []
        if midway is not None:
            def call() -> None:
                time.sleep(seconds / 2)
                notes.append(str(midway()))
            thread = threading.Thread(target=call)
            thread.start()
        out, _ = proc.communicate(timeout=seconds + 120)
        if midway is not None:
            thread.join()
    line = next((x for x in out.splitlines() if x.startswith("SHOPML_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {out[-2000:]}")
    data = json.loads(line.removeprefix("SHOPML_JSON "))
    return WrkRun(requests=data["requests"], seconds=data["duration_us"] / 1e6,
                  quantiles_ms=np.asarray(data["quantiles_us"], dtype=float) / 1000,
                  failures=data["socket_errors"] + data["non_2xx"], notes="; ".join(notes))
