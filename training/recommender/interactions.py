"""The customer x item purchase history as of a date: sparse matrices every candidate source reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from features.timestamps import as_utc
from training.errors import NotEnoughData
from training.sampling import at_most

DAY_SECONDS = 86400.0
RECENT_ORDERS = 3
SHORT_HALFLIFE_DAYS = 14.0


def purchases(events: pd.DataFrame, *, start: pd.Timestamp | None = None, end: pd.Timestamp) -> pd.DataFrame:
    """Purchase rows with a customer and start <= timestamp < end."""
    mask = (events["timestamp"] < end).to_numpy() & events["customer_id"].notna().to_numpy()
    if start is not None:
        mask &= (events["timestamp"] >= start).to_numpy()
    if "event_type" in events.columns:
        mask &= (events["event_type"] == "purchase").to_numpy()
    return events.loc[mask]


@dataclass
class Interactions:
    """Purchase history before `as_of`, indexed by `customers` (rows) and `items` (columns).

    Matrices are CSR customer x item: `orders` (distinct orders with the item), `quantity`,
    `last_age`/`first_age` (days before as_of of the latest/earliest purchase; stored +1 so that
    zero means "never"), `recency` (sum over orders of exp(-age / halflife * ln 2)), `recency_short` (the same
    with a 14-day half-life), `orders_90d` (orders with the item in the last 90 days) and `recent`
    (1 where the item is in one of the customer's last RECENT_ORDERS orders). `basket` is the
    order x item incidence matrix. Per-customer arrays: order count, days since the latest and
    the first order, mean days between orders, and mean unit price paid.
    """

    as_of: pd.Timestamp
    customers: np.ndarray
    items: np.ndarray
    orders: sp.csr_matrix
    quantity: sp.csr_matrix
    last_age: sp.csr_matrix
    first_age: sp.csr_matrix
    recency: sp.csr_matrix
    recency_short: sp.csr_matrix
    orders_90d: sp.csr_matrix
    recent: sp.csr_matrix
    basket: sp.csr_matrix
    n_orders: np.ndarray
    last_order_age: np.ndarray
    first_order_age: np.ndarray
    order_interval: np.ndarray
    mean_price: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.customers), len(self.items)

    def customer_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.customers)}

    def item_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.items)}


def _csr(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    out = sp.csr_matrix((values.astype(np.float32), (rows, cols)), shape=shape)
    out.sum_duplicates()
    return out


def build_interactions(
    events: pd.DataFrame, *, as_of: pd.Timestamp | str, halflife_days: float = 60.0
) -> Interactions:
    """The purchase history of every customer who bought something before `as_of`."""
    as_of = as_utc(as_of)
    buys = purchases(events, end=as_of)
    if buys.empty:
        raise NotEnoughData(f"no purchases with a customer before {as_of.date()}; cannot build a history")
    order_key = buys["order_id"].copy() if "order_id" in buys.columns else pd.Series(None, index=buys.index, dtype=object)
    missing = order_key.isna().to_numpy()
    if missing.any():
        part = buys.loc[missing]
        order_key.loc[missing] = part["customer_id"].astype(str) + "@" + part["timestamp"].astype(str)
    lines = pd.DataFrame({
        "c": buys["customer_id"].astype(str).to_numpy(),
        "i": buys["item_id"].astype(str).to_numpy(),
        "o": order_key.astype(str).to_numpy(),
        "age": ((as_of - buys["timestamp"]).dt.total_seconds() / DAY_SECONDS).to_numpy(),
        "q": buys["quantity"].to_numpy() if "quantity" in buys.columns else np.ones(len(buys)),
        "p": buys["price"].to_numpy() if "price" in buys.columns else np.full(len(buys), np.nan),
    })
    customers = np.array(sorted(lines["c"].unique()), dtype=object)
    items = np.array(sorted(lines["i"].unique()), dtype=object)
    lines["ci"] = pd.Categorical(lines["c"], categories=customers).codes
    lines["ii"] = pd.Categorical(lines["i"], categories=items).codes
    shape = (len(customers), len(items))

    per_order = lines.groupby(["ci", "ii", "o"], sort=False).agg(age=("age", "min"), q=("q", "sum")).reset_index()
    r, c = per_order["ci"].to_numpy(), per_order["ii"].to_numpy()
    age = per_order["age"].to_numpy()
    pair = per_order.groupby(["ci", "ii"], sort=False).agg(
        n=("o", "size"), last=("age", "min"), first=("age", "max"), q=("q", "sum")
    ).reset_index()
    pr, pc = pair["ci"].to_numpy(), pair["ii"].to_numpy()

    orders_table = lines.groupby(["ci", "o"], sort=False)["age"].min().reset_index()
    orders_table["rank"] = orders_table.groupby("ci")["age"].rank(method="first")
    recent_orders = orders_table[orders_table["rank"] <= RECENT_ORDERS]
    recent_lines = per_order.merge(recent_orders[["ci", "o"]], on=["ci", "o"])
    order_codes = pd.Categorical(per_order["o"]).codes
    cust_orders = orders_table.groupby("ci")["age"]
    n_orders = cust_orders.size().reindex(range(shape[0]), fill_value=0).to_numpy(dtype=np.float32)
    last_order = cust_orders.min().reindex(range(shape[0])).to_numpy(dtype=np.float32)
    first_order = cust_orders.max().reindex(range(shape[0])).to_numpy(dtype=np.float32)
    interval = np.where(n_orders > 1, (first_order - last_order) / np.maximum(n_orders - 1, 1), np.nan)
    priced = lines.dropna(subset=["p"])
    mean_price = priced.groupby("ci")["p"].mean().reindex(range(shape[0])).to_numpy(dtype=np.float32)

    decay = np.log(2.0) / halflife_days
    return Interactions(
        as_of=as_of,
        customers=customers,
        items=items,
        orders=_csr(pr, pc, pair["n"].to_numpy(), shape),
        quantity=_csr(pr, pc, pair["q"].to_numpy(), shape),
        last_age=_csr(pr, pc, pair["last"].to_numpy() + 1.0, shape),
        first_age=_csr(pr, pc, pair["first"].to_numpy() + 1.0, shape),
        recency=_csr(r, c, np.exp(-decay * age), shape),
        recency_short=_csr(r, c, np.exp(-np.log(2.0) / SHORT_HALFLIFE_DAYS * age), shape),
        orders_90d=_csr(r, c, (age < 90).astype(np.float32), shape),
        recent=_csr(recent_lines["ci"].to_numpy(), recent_lines["ii"].to_numpy(),
                    np.ones(len(recent_lines)), shape),
        basket=_csr(order_codes, c, np.ones(len(c)), (int(order_codes.max()) + 1, shape[1])),
        n_orders=n_orders,
        last_order_age=last_order,
        first_order_age=first_order,
        order_interval=interval.astype(np.float32),
        mean_price=mean_price,
    )


@dataclass
class Truth:
    """What each known customer bought in a test window: `matrix` over the history's items, and
    `total` = distinct items bought per customer (items unseen in the history included)."""

    matrix: sp.csr_matrix
    total: np.ndarray


def truth_window(events: pd.DataFrame, history: Interactions, *, start: pd.Timestamp, days: int) -> Truth:
    """The distinct items every customer of `history` bought in [start, start + days)."""
    window = purchases(events, start=start, end=start + pd.Timedelta(days=days))
    ci = pd.Categorical(window["customer_id"].astype(str), categories=history.customers).codes
    ii = pd.Categorical(window["item_id"].astype(str), categories=history.items).codes
    known_customer = ci >= 0
    distinct = pd.DataFrame({"c": ci[known_customer], "i": window["item_id"].astype(str).to_numpy()[known_customer]})
    total = np.bincount(distinct.drop_duplicates()["c"].to_numpy(), minlength=history.shape[0])
    keep = known_customer & (ii >= 0)
    matrix = _csr(ci[keep], ii[keep], np.ones(int(keep.sum())), history.shape)
    matrix.data[:] = 1.0
    return Truth(matrix=matrix, total=total.astype(np.float32))


def new_items_truth(truth: Truth, history: Interactions) -> Truth:
    """`truth` restricted to items each customer never bought before the window."""
    bought = (history.orders > 0).astype(np.float32)
    repeats = truth.matrix.multiply(bought).tocsr()
    matrix = (truth.matrix - repeats).tocsr()
    matrix.eliminate_zeros()
    total = truth.total - np.asarray(repeats.sum(axis=1)).ravel()
    return Truth(matrix=matrix, total=total.astype(np.float32))


def sample_customers(truth: Truth, limit: int, *, seed: int = 0) -> Truth:
    """`truth` for at most `limit` of its buying customers (a seeded uniform draw); the others count
    as not having bought, so rankers train and holdouts score on a bounded number of customers."""
    buyers = np.flatnonzero(truth.total > 0)
    chosen = at_most(buyers, limit, seed=seed)
    if len(chosen) == len(buyers):
        return truth
    keep = np.zeros(len(truth.total), dtype=np.float32)
    keep[chosen] = 1.0
    matrix = sp.diags(keep).dot(truth.matrix).tocsr()
    matrix.eliminate_zeros()
    return Truth(matrix=matrix, total=truth.total * keep)
