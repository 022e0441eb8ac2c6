"""A synthetic online shop with the signals real shops have, written in the data contract's layout.

What is in it (all deterministic by seed; the knobs are in ShopConfig):
- items in categories and styles, Zipf popularity, category price levels, launches of new items,
  popularity trends, category seasons, a few items out of stock at the end, lead times;
- customers in regions with a few favourite categories (and a liked style in each), personal
  staples re-bought every k-th order at a personal rhythm, deal seekers who shop on sales;
- weekly and yearly seasonality, the 618, Double 11, Black Friday and Christmas festivals, and
  shop-wide, category and item promotions that lift demand (listed in `promotions`);
- churn: a hazard that grows with inactivity (Weibull(2) time since the last order), one-and-done
  newcomers, customers who cool off order by order, leaving after a bad experience (an order whose
  lines tend to come back), a latent loyalty that also shows in frequency and spend, and win-backs;
- returns some days after the purchase (same order_id), and optionally views and carts.

The shop runs for a burn-in year before the window, so the first day already has regulars,
lapsed customers and newcomers. Usage: `generate_shop(n_customers=2000, seed=1)` or
`generate_shop(**scale_for_events(1_000_000))`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from features.schema import EVENT_COLUMNS, EVENT_TYPES
from features.synthetic_calendar import ShopWidePromotion, build_calendar, shop_wide_promotions
from features.synthetic_catalog import (
    NICHE_POWER,
    REGIONS,
    Catalog,
    CustomerBase,
    CustomerParams,
    ItemSampler,
    daily_weights,
    discount_matrix,
    make_catalog,
    make_customers,
    make_promotions,
)
from features.synthetic_orders import (
    PURCHASE,
    SECONDS_PER_DAY,
    Lines,
    Market,
    OrderParams,
    basket_lines,
    browsing_of,
    concat_lines,
    order_seconds,
    returns_of,
    simulate_orders,
)

ADJECTIVES = ("Classic", "Deluxe", "Mini", "Eco", "Premium", "Everyday", "Vintage", "Smart")


@dataclass(frozen=True)
class ShopConfig:
    """Behavioural knobs of the synthetic shop; the defaults give a plausible mid-size shop."""

    zipf_exponent: float = 1.0  # item popularity ~ rank ** -zipf_exponent
    promo_elasticity: float = 7.0  # choice weight x exp(elasticity * discount)
    median_gap_days: float = 55.0  # median over customers of the mean days between orders
    gap_sigma: float = 1.0  # log-normal spread of that rhythm across customers
    gap_shape: float = 3.0  # Gamma shape of gaps: higher = more regular customers
    churn_scale: float = 4.0  # median Weibull scale of time-to-churn, in mean gaps
    churn_sigma: float = 0.8  # log-normal spread of that scale: loyal and flaky customers
    one_and_done_share: float = 0.3  # new customers who never order twice (unless won back)
    dropout_mean: float = 0.08  # mean chance of leaving right after an order (Beta(1, b) spread)
    winback_prob: float = 0.25
    winback_days: float = 120.0  # mean dormancy (operational days) before a win-back
    existing_share: float = 0.15  # customers who signed up before the burn-in period
    burn_in_days: int = 365  # the shop runs this long before the window (events not kept)
    taste_mean: float = 0.8  # share of non-staple lines from favourite categories
    staples_mean: float = 2.5
    staple_keep: float = 0.8  # chance a due staple is actually in the basket
    explore_lines_mean: float = 1.3
    companion_prob: float = 0.15
    bad_order_rate: float = 0.06
    bad_churn_factor: float = 0.3  # churn scale multiplier after a bad order
    bad_leave_prob: float = 0.5  # chance of leaving right after a bad order
    cooling_share: float = 0.5  # customers whose engagement fades order by order
    fade_level: float = 0.3  # a cooling customer leaves when engagement falls below this
    loyalty_strength: float = 1.0  # how much a latent loyalty drives spend, frequency and staying
    stock_up_power: float = 0.4  # basket size and quantity ~ (mean gap / median gap) ** this
    bad_return_prob: float = 0.4  # return probability of lines of a bad order
    opt_out_share: float = 0.03
    deal_seeker_share: float = 0.12  # customers who shop almost only on sales and festivals
    style_loyalty_mean: float = 0.6  # share of favourite-category lines from the liked style


@dataclass(frozen=True)
class SyntheticShop:
    """The four contract tables of one synthetic shop."""

    events: pd.DataFrame
    items: pd.DataFrame
    customers: pd.DataFrame
    promotions: pd.DataFrame
    seed: int = 0
    config: ShopConfig = field(default_factory=ShopConfig)

    def write(self, folder: Path, fmt: Literal["csv", "parquet"] = "parquet") -> dict[str, Path]:
        """Write events, items, customers and promotions files; returns table name -> path."""
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tables = {
            "events": self.events,
            "items": self.items,
            "customers": self.customers,
            "promotions": self.promotions,
        }
        paths: dict[str, Path] = {}
        for name, frame in tables.items():
            path = folder / f"{name}.{fmt}"
            if fmt == "parquet":
                frame.to_parquet(path, index=False)
            else:
                _to_csv(frame, path)
            paths[name] = path
        return paths


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV with ISO-8601 UTC timestamps (`2024-01-01T05:41:06Z`) and plain dates for date columns."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            naive = out[col].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
            if col == "timestamp":
                text = np.datetime_as_string(naive.astype("datetime64[s]"), unit="s") + "Z"
            else:
                text = np.datetime_as_string(naive.astype("datetime64[D]"), unit="D")
            out[col] = text.astype(object)
    out.to_csv(path, index=False)


def generate_shop(
    *,
    n_customers: int = 2000,
    n_items: int = 500,
    days: int = 365,
    seed: int = 0,
    start: str = "2024-01-01",
    with_browsing: bool = False,
    config: ShopConfig | None = None,
) -> SyntheticShop:
    """Make a synthetic shop; the same arguments always give the same tables."""
    if n_customers < 1 or n_items < 4 or days < 28:
        raise ValueError(
            f"need n_customers >= 1, n_items >= 4, days >= 28; got {n_customers}, {n_items}, {days}"
        )
    cfg = config or ShopConfig()
    first_day = pd.Timestamp(start)
    first_day = (
        first_day.tz_localize("UTC") if first_day.tz is None else first_day.tz_convert("UTC")
    )
    first_day = first_day.normalize()
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]

    # The shop runs for a burn-in period before the window, so the customer base is in its stride
    # on the first day: regulars mid-rhythm, some already gone, new ones still arriving.
    burn = cfg.burn_in_days
    history_start = first_day - pd.Timedelta(days=burn)
    shop_wide = shop_wide_promotions(history_start, burn + days, rngs[0])
    history = build_calendar(history_start, burn + days, shop_wide)
    cal = history.window(burn, days)
    in_window = [
        ShopWidePromotion(p.name, max(p.start_day - burn, 0), p.end_day - burn, p.discount)
        for p in shop_wide
        if p.end_day >= burn
    ]
    catalog = make_catalog(n_items, days, rngs[1], zipf=cfg.zipf_exponent)
    promo_rows = make_promotions(catalog, days, in_window, rngs[2])
    discount = discount_matrix(catalog, days, promo_rows)
    weights = daily_weights(catalog, cal, discount, elasticity=cfg.promo_elasticity)
    sampler = ItemSampler(weights, catalog, niche_power=NICHE_POWER)
    base = make_customers(n_customers, catalog, history, _customer_params(cfg), rngs[3])

    params = _order_params(cfg)
    orders = simulate_orders(base, history, params, rngs[4]).since(burn)
    seconds = order_seconds(orders, rngs[5])
    market = Market(catalog, base, cal, sampler, weights, discount)
    purchases = basket_lines(orders, seconds, market, params, rngs[5])
    parts = [purchases, returns_of(purchases, orders, catalog, days, params, rngs[6])]
    if with_browsing:
        parts.append(browsing_of(purchases, orders, market, rngs[7]))
    lines = concat_lines(parts)
    return SyntheticShop(
        events=_events_frame(lines, first_day, n_customers, n_items),
        items=_items_frame(catalog, purchases, days, rngs[0]),
        customers=_customers_frame(base, history_start),
        promotions=_promotions_frame(promo_rows, catalog, first_day, n_items),
        seed=seed,
        config=cfg,
    )


def _customer_params(cfg: ShopConfig) -> CustomerParams:
    return CustomerParams(
        median_gap_days=cfg.median_gap_days,
        gap_sigma=cfg.gap_sigma,
        gap_shape=cfg.gap_shape,
        churn_scale=cfg.churn_scale,
        churn_sigma=cfg.churn_sigma,
        one_and_done_share=cfg.one_and_done_share,
        dropout_mean=cfg.dropout_mean,
        cooling_share=cfg.cooling_share,
        loyalty_strength=cfg.loyalty_strength,
        stock_up_power=cfg.stock_up_power,
        winback_prob=cfg.winback_prob,
        existing_share=cfg.existing_share,
        taste_mean=cfg.taste_mean,
        staples_mean=cfg.staples_mean,
        explore_lines_mean=cfg.explore_lines_mean,
        opt_out_share=cfg.opt_out_share,
        deal_seeker_share=cfg.deal_seeker_share,
        style_loyalty_mean=cfg.style_loyalty_mean,
    )


def _order_params(cfg: ShopConfig) -> OrderParams:
    return OrderParams(
        gap_shape=cfg.gap_shape,
        bad_order_rate=cfg.bad_order_rate,
        bad_churn_factor=cfg.bad_churn_factor,
        bad_leave_prob=cfg.bad_leave_prob,
        fade_level=cfg.fade_level,
        bad_return_prob=cfg.bad_return_prob,
        winback_days=cfg.winback_days,
        staple_keep=cfg.staple_keep,
        companion_prob=cfg.companion_prob,
    )


def _ids(prefix: str, n: int) -> np.ndarray:
    width = max(5, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _timestamps(first_day: pd.Timestamp, seconds: np.ndarray) -> pd.Series:
    ns = first_day.value + seconds.astype(np.int64) * 1_000_000_000
    return pd.Series(pd.to_datetime(ns, unit="ns", utc=True)).astype("datetime64[ns, UTC]")


def _events_frame(
    lines: Lines, first_day: pd.Timestamp, n_customers: int, n_items: int
) -> pd.DataFrame:
    """The canonical events frame; orders are numbered in the order of their purchase time."""
    customer_ids = _ids("C", n_customers)
    item_ids = _ids("I", n_items)
    has_order = lines.order >= 0
    bought = lines.kind == PURCHASE
    first_seen = np.full(int(lines.order.max(initial=-1)) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_seen, lines.order[bought], np.arange(len(lines.order))[bought])
    used = np.flatnonzero(first_seen < np.iinfo(np.int64).max)
    rank = np.empty(len(first_seen), dtype=np.int64)
    rank[used[np.argsort(first_seen[used], kind="stable")]] = np.arange(len(used))
    order_ids = _ids("O", len(used))
    order_col = np.full(len(lines.order), None, dtype=object)
    order_col[has_order] = order_ids[rank[lines.order[has_order]]]
    types = np.array(EVENT_TYPES, dtype=object)
    frame = pd.DataFrame(
        {
            "customer_id": customer_ids[lines.customer],
            "item_id": item_ids[lines.item],
            "timestamp": _timestamps(first_day, lines.seconds),
            "event_type": types[lines.kind],
            "quantity": lines.quantity.astype(np.int64),
            "price": lines.price.astype(np.float64),
            "order_id": order_col,
        }
    )
    return frame[list(EVENT_COLUMNS)]


def _items_frame(
    catalog: Catalog, purchases: Lines, days: int, rng: np.random.Generator
) -> pd.DataFrame:
    n = catalog.n_items
    recent = purchases.seconds >= (days - 28) * SECONDS_PER_DAY
    daily = (
        np.bincount(purchases.item[recent], weights=purchases.quantity[recent], minlength=n) / 28
    )
    cover = catalog.lead_time_days + rng.integers(0, 22, n)
    in_stock = catalog.stockout_day >= days
    stock = np.where(in_stock, rng.poisson(daily * cover + 2.0), 0)
    names = np.array(catalog.category_names, dtype=object)[catalog.category]
    adjective = np.array(ADJECTIVES, dtype=object)[rng.integers(0, len(ADJECTIVES), n)]
    label = [f"{a} {c} {i + 1}" for i, (a, c) in enumerate(zip(adjective, names))]
    return pd.DataFrame(
        {
            "item_id": _ids("I", n),
            "name": np.array(label, dtype=object),
            "category": names,
            "price": catalog.price.astype(np.float64),
            "in_stock": in_stock,
            "stock_on_hand": stock.astype(np.int64),
            "lead_time_days": catalog.lead_time_days.astype(np.int64),
        }
    )


def _customers_frame(base: CustomerBase, first_day: pd.Timestamp) -> pd.DataFrame:
    n = len(base.region)
    signup_seconds = np.floor(base.signup_day).astype(np.int64) * SECONDS_PER_DAY
    return pd.DataFrame(
        {
            "customer_id": _ids("C", n),
            "region": np.array(REGIONS, dtype=object)[base.region],
            "signup_date": _timestamps(first_day, signup_seconds),
            "personalization_opt_out": base.opt_out.astype(bool),
        }
    )


def _promotions_frame(
    rows: list[tuple[int, int, int, int, float]],
    catalog: Catalog,
    first_day: pd.Timestamp,
    n_items: int,
) -> pd.DataFrame:
    arr = np.array([r[:4] for r in rows], dtype=np.int64).reshape(-1, 4)
    item_ids = _ids("I", n_items)
    cats = np.array(catalog.category_names, dtype=object)
    item_col = np.full(len(arr), None, dtype=object)
    cat_col = np.full(len(arr), None, dtype=object)
    item_col[arr[:, 2] >= 0] = item_ids[arr[arr[:, 2] >= 0, 2]]
    cat_col[arr[:, 3] >= 0] = cats[arr[arr[:, 3] >= 0, 3]]
    return pd.DataFrame(
        {
            "start_date": _timestamps(first_day, arr[:, 0] * SECONDS_PER_DAY),
            "end_date": _timestamps(first_day, arr[:, 1] * SECONDS_PER_DAY),
            "item_id": item_col,
            "category": cat_col,
            "discount": np.array([r[4] for r in rows], dtype=np.float64),
        }
    )


def n_items_for_events(target_events: int) -> int:
    """Catalogue size that suits a shop of `target_events` purchase events."""
    return int(np.clip(round(5 * np.sqrt(target_events)), 50, 50_000))


def scale_for_events(
    target_events: int, *, days: int = 365, with_browsing: bool = False, seed: int = 0
) -> dict[str, int]:
    """generate_shop arguments (n_customers, n_items, days) for about `target_events` events.

    A pilot shop of 20,000 customers with the same settings measures events per customer; the
    answer is deterministic and usually within a few percent of the target.
    """
    if target_events < 100:
        raise ValueError(f"target_events must be at least 100, got {target_events}")
    n_items = n_items_for_events(target_events)
    per_customer = _events_per_customer(n_items, days, with_browsing, seed)
    n_customers = max(1, round(target_events / per_customer))
    return {"n_customers": n_customers, "n_items": n_items, "days": days}


@lru_cache(maxsize=32)
def _events_per_customer(n_items: int, days: int, with_browsing: bool, seed: int) -> float:
    pilot_customers = 20_000
    pilot = generate_shop(
        n_customers=pilot_customers,
        n_items=n_items,
        days=days,
        seed=seed,
        with_browsing=with_browsing,
    )
    return max(len(pilot.events) / pilot_customers, 1e-3)
