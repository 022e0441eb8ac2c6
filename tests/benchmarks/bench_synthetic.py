"""Benchmark: generate a synthetic shop of about N events, then write it and read it back.

Run: .venv/bin/python tests/benchmarks/bench_synthetic.py [--events 1000000] [--browsing] [--write]
    [--signals]
Prints the arguments chosen by scale_for_events, the seconds of each phase, the events made and the
peak resident memory of this process (the generation runs first, so the peak printed right after it
is the generator's own). With --write, the shop is also written as Parquet and loaded back through
features.loaders.load_canonical. With --signals, it prints the shop's measured shapes: popularity
concentration, re-buying, weekday profile, festival and promotion lift, churn and returns.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from features.loaders import load_canonical
from features.synthetic import SyntheticShop, generate_shop, scale_for_events

DAY = pd.Timedelta(days=1)


def peak_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def signals(shop: SyntheticShop) -> None:
    """Print the measured shapes of the shop (no thresholds: the tests assert those)."""
    ev = shop.events
    bought = ev[ev["event_type"] == "purchase"]
    counts = bought["item_id"].value_counts()
    top = counts.iloc[: max(len(shop.items) // 10, 1)].sum() / counts.sum()
    pairs = bought.groupby(["customer_id", "item_id"]).size()
    units = bought.groupby(bought["timestamp"].dt.floor("D"))["quantity"].sum()
    units = units.reindex(
        pd.date_range(units.index.min(), units.index.max(), freq="D"), fill_value=0
    )
    weekday = units.groupby(units.index.weekday).median()
    print(
        f"top 10% of items: {top:.2f} of purchase lines; customer-item pairs bought 2+: "
        f"{(pairs >= 2).mean():.2f}"
    )
    print(
        "median units by weekday (Mon..Sun, / mean):", (weekday / weekday.mean()).round(2).tolist()
    )
    promos = shop.promotions
    sales = promos[promos["item_id"].isna() & promos["category"].isna()]
    for row in sales.itertuples():
        during = units[(units.index >= row.start_date) & (units.index <= row.end_date)].mean()
        before = units[
            (units.index >= row.start_date - 35 * DAY) & (units.index < row.start_date - 7 * DAY)
        ]
        if len(before) >= 28:
            print(
                f"  shop-wide sale {row.start_date:%Y-%m-%d}..{row.end_date:%m-%d} "
                f"(-{row.discount:.0%}): units/day x{during / before.mean():.2f} vs 5..1 weeks before"
            )
    end = bought["timestamp"].max()
    span = bought.groupby("customer_id")["timestamp"].agg(["min", "max"])
    early = span[span["min"] < end - 240 * DAY]
    orders = bought.groupby("customer_id")["order_id"].nunique()
    print(
        f"customers buying: {len(span):,}; one order only: {(orders == 1).mean():.2f}; of those "
        f"who started 240+ days before the end, silent for the last 120 days: "
        f"{(early['max'] < end - 120 * DAY).mean():.2f}"
    )
    returns = (ev["event_type"] == "return").sum()
    print(
        f"returns per purchase line: {returns / len(bought):.3f}; lines per order: "
        f"{len(bought) / bought['order_id'].nunique():.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--browsing", action="store_true")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--signals", action="store_true")
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
    if args.signals:
        signals(shop)
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
