"""Orders, basket lines, returns and browsing of the synthetic shop, vectorised over customers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from features.synthetic_calendar import HOUR_WEIGHTS, Calendar
from features.synthetic_catalog import Catalog, CustomerBase, ItemSampler, pick_by_taste

SECONDS_PER_DAY = 86_400
# Event type codes, in the order of features.schema.EVENT_TYPES.
VIEW, CART, PURCHASE, RETURN = 0, 1, 2, 3


@dataclass(frozen=True)
class OrderParams:
    """Knobs of the order process (see ShopConfig)."""

    gap_shape: float
    bad_order_rate: float
    bad_churn_factor: float
    bad_leave_prob: float
    fade_level: float
    bad_return_prob: float
    winback_days: float
    staple_keep: float
    companion_prob: float


@dataclass(frozen=True)
class Orders:
    """One row per order: who, when (float days since start), order number and a bad experience."""

    customer: np.ndarray
    time: np.ndarray
    number: np.ndarray
    bad: np.ndarray
    engagement: np.ndarray  # 1 for a keen customer, falling as they cool off

    @property
    def day(self) -> np.ndarray:
        return np.floor(self.time).astype(np.int64)

    def since(self, offset: float) -> Orders:
        """The orders at or after `offset`, with time counted from it."""
        keep = self.time >= offset
        return Orders(
            self.customer[keep],
            self.time[keep] - offset,
            self.number[keep],
            self.bad[keep],
            self.engagement[keep],
        )


@dataclass(frozen=True)
class Lines:
    """Event rows as parallel arrays; `order` indexes Orders (-1 for browsing without an order)."""

    order: np.ndarray
    customer: np.ndarray
    item: np.ndarray
    seconds: np.ndarray  # seconds since start
    kind: np.ndarray  # VIEW, CART, PURCHASE or RETURN
    quantity: np.ndarray
    price: np.ndarray


def simulate_orders(
    base: CustomerBase, cal: Calendar, params: OrderParams, rng: np.random.Generator
) -> Orders:
    """Order times of every customer: renewal gaps in operational time, churn, win-backs.

    After each order a customer's next order is due a Gamma gap later (in operational time, so busy
    days draw orders in; deal seekers run on a clock that almost stops outside sales). Churn comes
    first when a Weibull(2) time since the last order (a hazard that grows with inactivity) is
    shorter than the gap, or right after an order: one-and-done newcomers, the customer's own
    dropout chance, a bad order, or engagement that has faded. Some churned customers come back
    after a dormancy (each win-back halves the chance of the next). The loop runs over order
    numbers, vectorised over the customers still active.
    """
    days = cal.days
    idx = np.flatnonzero(base.first_order < days)
    t = base.first_order[idx]
    number = np.zeros(len(idx), dtype=np.int64)
    winback = base.winback.copy()
    engagement = np.ones(len(base.region))
    chunks: list[tuple[np.ndarray, ...]] = []
    shape = params.gap_shape
    deal_all = base.deal_seeker
    while idx.size:
        deal = deal_all[idx]
        bad = rng.random(idx.size) < params.bad_order_rate
        level = engagement[idx]
        chunks.append((idx, t, number, bad, level))
        gap = base.mean_gap[idx] / level  # cooling customers order less and less often
        u_now = cal.to_operational(t, deal)
        t_next = cal.from_operational(u_now + rng.gamma(shape, gap / shape), deal)
        scale = base.churn_scale[idx] * gap * np.where(bad, params.bad_churn_factor, 1.0)
        churn_at = t + scale * rng.weibull(2.0, idx.size)
        leave_p = np.where(bad, params.bad_leave_prob, base.dropout[idx])
        leaves = ((number == 0) & base.one_and_done[idx]) | (rng.random(idx.size) < leave_p)
        engagement[idx] = level * base.cooling[idx]
        leaves |= engagement[idx] < params.fade_level
        churn_at = np.where(leaves, t, churn_at)
        churned = churn_at < t_next
        back = churned & (rng.random(idx.size) < winback[idx])
        winback[idx[back]] *= 0.5
        engagement[idx[back]] = np.maximum(engagement[idx[back]], 0.7)
        dormancy = rng.gamma(2.0, params.winback_days / 2.0, idx.size)
        t_back = cal.from_operational(cal.to_operational(churn_at, deal) + dormancy, deal)
        t_next = np.where(churned, np.where(back, t_back, np.inf), t_next)
        keep = t_next < days
        idx, t, number = idx[keep], t_next[keep], number[keep] + 1
    if not chunks:
        empty = np.zeros(0, dtype=np.int64)
        return Orders(empty, np.zeros(0), empty, np.zeros(0, dtype=bool), np.zeros(0))
    cols = [np.concatenate(c) for c in zip(*chunks)]
    return Orders(cols[0], cols[1], cols[2], cols[3].astype(bool), cols[4])


def order_seconds(orders: Orders, rng: np.random.Generator) -> np.ndarray:
    """Timestamp of each order in seconds since start: its day plus an hour drawn by time of day."""
    hours = rng.choice(24, size=len(orders.time), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    return orders.day * SECONDS_PER_DAY + hours * 3600 + rng.integers(0, 3600, len(orders.time))


@dataclass(frozen=True)
class Market:
    """What customers choose from in the window: catalogue, daily weights, discounts and calendar."""

    catalog: Catalog
    base: CustomerBase
    cal: Calendar  # the window's calendar (day 0 = first day of the window)
    sampler: ItemSampler
    weights: np.ndarray  # (days, items) choice weights, 0 when an item cannot sell
    discount: np.ndarray  # (days, items) best promotion discount


def basket_lines(
    orders: Orders,
    seconds: np.ndarray,
    market: Market,
    params: OrderParams,
    rng: np.random.Generator,
) -> Lines:
    """Purchase lines: due staples, exploration by taste, companions; one line per (order, item)."""
    base, catalog, cal = market.base, market.catalog, market.cal
    sampler, weights, discount = market.sampler, market.weights, market.discount
    n = len(orders.time)
    day = orders.day
    cust = orders.customer
    staples = base.staples[cust]
    due = (
        (staples >= 0)
        & ((orders.number[:, None] + base.staple_phase[cust]) % base.staple_period[cust] == 0)
        & (rng.random(staples.shape) < params.staple_keep)
    )
    s_row, s_col = np.nonzero(due)
    s_item = staples[s_row, s_col]
    ok = weights[day[s_row], s_item] > 0
    s_row, s_item = s_row[ok], s_item[ok]
    n_staple = np.bincount(s_row, minlength=n)

    boost = cal.festival[day] ** 0.3
    n_explore = rng.poisson(base.explore_lines[cust] * boost * np.sqrt(orders.engagement))
    n_explore = np.maximum(n_explore, (n_staple == 0).astype(np.int64))
    e_row = np.repeat(np.arange(n), n_explore)
    e_item = pick_by_taste(base, cust[e_row], day[e_row], sampler, rng)
    with_comp = rng.random(len(e_item)) < params.companion_prob
    c_row = e_row[with_comp]
    c_item = catalog.companion[e_item[with_comp]]
    ok = weights[day[c_row], c_item] > 0
    c_row, c_item = c_row[ok], c_item[ok]

    row = np.concatenate([s_row, e_row, c_row])
    item = np.concatenate([s_item, e_item, c_item]).astype(np.int64)
    key = row * catalog.n_items + item
    _, first = np.unique(key, return_index=True)
    row, item = row[first], item[first]
    d = day[row]
    disc = discount[d, item].astype(np.float64)
    qmean = catalog.quantity_mean[item] * (1.0 + 3.0 * disc) * cal.festival[d] ** 0.2
    qmean = qmean * base.stock_up[orders.customer[row]]
    quantity = 1 + rng.poisson(qmean)
    price = np.round(catalog.price[item] * (1.0 - disc), 2)
    return Lines(
        order=row,
        customer=cust[row],
        item=item,
        seconds=seconds[row],
        kind=np.full(len(row), PURCHASE, dtype=np.int8),
        quantity=quantity.astype(np.int64),
        price=price,
    )


def returns_of(
    purchases: Lines,
    orders: Orders,
    catalog: Catalog,
    days: int,
    params: OrderParams,
    rng: np.random.Generator,
) -> Lines:
    """Returns of some purchase lines a few days later, same order, part or all of the units."""
    rate = catalog.return_rate[catalog.category[purchases.item]]
    rate = np.where(orders.bad[purchases.order], params.bad_return_prob, rate)
    picked = np.flatnonzero(rng.random(len(rate)) < rate)
    delay = 1.0 + rng.gamma(2.0, 4.0, len(picked))
    hours = rng.choice(24, size=len(picked), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    ret_day = np.floor(purchases.seconds[picked] / SECONDS_PER_DAY + delay).astype(np.int64)
    seconds = ret_day * SECONDS_PER_DAY + hours * 3600 + rng.integers(0, 3600, len(picked))
    seconds = np.maximum(seconds, purchases.seconds[picked] + 3600)
    keep = seconds < days * SECONDS_PER_DAY
    picked, seconds = picked[keep], seconds[keep]
    bought = purchases.quantity[picked]
    whole = rng.random(len(picked)) < 0.7
    quantity = np.where(whole, bought, 1 + rng.binomial(np.maximum(bought - 1, 0), 0.4))
    return Lines(
        order=purchases.order[picked],
        customer=purchases.customer[picked],
        item=purchases.item[picked],
        seconds=seconds,
        kind=np.full(len(picked), RETURN, dtype=np.int8),
        quantity=quantity.astype(np.int64),
        price=purchases.price[picked],
    )


def browsing_of(
    purchases: Lines, orders: Orders, market: Market, rng: np.random.Generator
) -> Lines:
    """Views and carts: each bought item was viewed and carted first; other items viewed, some carted."""
    base, catalog, sampler, discount = market.base, market.catalog, market.sampler, market.discount
    p = purchases
    n_views = 1 + rng.poisson(0.6, len(p.item))
    v_src = np.repeat(np.arange(len(p.item)), n_views)
    v_sec = p.seconds[v_src] - 60 - rng.exponential(90 * 60, len(v_src)).astype(np.int64)
    c_sec = p.seconds - 30 - rng.integers(0, 20 * 60, len(p.item))
    n_orders = len(orders.time)
    o_seconds = np.full(n_orders, 0, dtype=np.int64)
    o_seconds[p.order] = p.seconds
    n_extra = rng.poisson(2.0, n_orders)
    x_row = np.repeat(np.arange(n_orders), n_extra)
    x_item = pick_by_taste(base, orders.customer[x_row], orders.day[x_row], sampler, rng)
    x_sec = o_seconds[x_row] - 60 - rng.exponential(60 * 60, len(x_row)).astype(np.int64)
    abandoned = rng.random(len(x_row)) < 0.15
    item = np.concatenate([p.item[v_src], p.item, x_item, x_item[abandoned]])
    customer = np.concatenate(
        [p.customer[v_src], p.customer, orders.customer[x_row], orders.customer[x_row[abandoned]]]
    )
    seconds = np.concatenate(
        [v_sec, c_sec, x_sec, x_sec[abandoned] + rng.integers(20, 600, int(abandoned.sum()))]
    )
    kind = np.concatenate(
        [
            np.full(len(v_src), VIEW),
            np.full(len(p.item), CART),
            np.full(len(x_row), VIEW),
            np.full(int(abandoned.sum()), CART),
        ]
    ).astype(np.int8)
    seconds = np.maximum(seconds, 0)
    day = (seconds // SECONDS_PER_DAY).astype(np.int64)
    price = np.round(catalog.price[item] * (1.0 - discount[day, item]), 2)
    return Lines(
        order=np.full(len(item), -1, dtype=np.int64),
        customer=customer,
        item=item,
        seconds=seconds,
        kind=kind,
        quantity=np.ones(len(item), dtype=np.int64),
        price=price,
    )


def concat_lines(parts: list[Lines]) -> Lines:
    """All event rows together, sorted by time, then customer, order, item and event type."""
    cols = {f: np.concatenate([getattr(p, f) for p in parts]) for f in Lines.__dataclass_fields__}
    order = np.lexsort(
        (cols["kind"], cols["item"], cols["order"], cols["customer"], cols["seconds"])
    )
    return Lines(**{f: v[order] for f, v in cols.items()})
