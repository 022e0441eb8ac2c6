"""The synthetic shop: deterministic, in the data contract, and carrying the signals models need."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.loaders import load_canonical, load_table
from features.schema import EVENT_COLUMNS
from features.synthetic import SyntheticShop, generate_shop, scale_for_events
from features.validation import validate_events

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def shop() -> SyntheticShop:
    return generate_shop(n_customers=3000, n_items=400, days=365, seed=7)


@pytest.fixture(scope="module")
def purchases(shop: SyntheticShop) -> pd.DataFrame:
    return shop.events[shop.events["event_type"] == "purchase"]


def daily_units(frame: pd.DataFrame) -> pd.Series:
    """Units per calendar day (UTC), zero-filled."""
    units = frame.groupby(frame["timestamp"].dt.floor("D"))["quantity"].sum()
    full = pd.date_range(units.index.min(), units.index.max(), freq="D")
    return units.reindex(full, fill_value=0)


def test_same_seed_gives_identical_tables_and_another_seed_does_not() -> None:
    a = generate_shop(n_customers=200, n_items=60, days=120, seed=3)
    b = generate_shop(n_customers=200, n_items=60, days=120, seed=3)
    c = generate_shop(n_customers=200, n_items=60, days=120, seed=4)
    for name in ("events", "items", "customers", "promotions"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.events.equals(c.events)
    assert not a.items.equals(c.items)


def test_browsing_adds_views_and_carts_without_changing_purchases() -> None:
    plain = generate_shop(n_customers=300, n_items=80, days=120, seed=5)
    browsing = generate_shop(n_customers=300, n_items=80, days=120, seed=5, with_browsing=True)
    counts = browsing.events["event_type"].value_counts()
    assert counts["view"] > counts["purchase"] and counts["cart"] > 0
    assert "view" not in set(plain.events["event_type"])
    keep = browsing.events["event_type"].isin(["purchase", "return"])
    pd.testing.assert_frame_equal(browsing.events[keep].reset_index(drop=True), plain.events)
    ev = browsing.events
    bought = ev[ev["event_type"] == "purchase"][["customer_id", "item_id", "timestamp"]]
    viewed = ev[ev["event_type"] == "view"][["customer_id", "item_id", "timestamp"]]
    first_view = viewed.groupby(["customer_id", "item_id"])["timestamp"].min().rename("viewed")
    joined = bought.join(first_view, on=["customer_id", "item_id"])
    assert (joined["viewed"] < joined["timestamp"]).mean() > 0.99


def test_events_have_the_exact_contract_layout(shop: SyntheticShop) -> None:
    ev = shop.events
    assert tuple(ev.columns) == EVENT_COLUMNS
    assert str(ev["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert ev["quantity"].dtype == np.int64 and ev["price"].dtype == np.float64
    for col in ("customer_id", "item_id", "event_type", "order_id"):
        assert ev[col].dtype == object
    assert (ev["quantity"] > 0).all() and (ev["price"] >= 0).all()
    assert ev["timestamp"].is_monotonic_increasing
    assert ev["order_id"].notna().all()
    assert list(shop.items.columns) == [
        "item_id",
        "name",
        "category",
        "price",
        "in_stock",
        "stock_on_hand",
        "lead_time_days",
    ]
    assert list(shop.customers.columns) == [
        "customer_id",
        "region",
        "signup_date",
        "personalization_opt_out",
    ]
    assert list(shop.promotions.columns) == [
        "start_date",
        "end_date",
        "item_id",
        "category",
        "discount",
    ]
    pd.testing.assert_frame_equal(validate_events(ev, "synthetic"), ev.reset_index(drop=True))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_written_files_load_back_through_the_loaders(tmp_path: Path, fmt: str) -> None:
    small = generate_shop(n_customers=150, n_items=50, days=90, seed=1, with_browsing=True)
    paths = small.write(tmp_path, fmt)  # type: ignore[arg-type]
    assert set(paths) == {"events", "items", "customers", "promotions"}
    loaded = load_canonical(paths["events"]).events
    pd.testing.assert_frame_equal(loaded, small.events.reset_index(drop=True))
    items = load_table(paths["items"], "items")
    assert items["item_id"].tolist() == small.items["item_id"].tolist()
    assert (items["in_stock"].astype(bool) == small.items["in_stock"]).all()
    customers = load_table(paths["customers"], "customers")
    assert (customers["signup_date"] == small.customers["signup_date"]).all()
    promotions = load_table(paths["promotions"], "promotions")
    assert len(promotions) == len(small.promotions)
    assert (promotions["category"].isna() == small.promotions["category"].isna()).all()


def test_orders_have_several_lines_and_one_customer_and_time(purchases: pd.DataFrame) -> None:
    per_order = purchases.groupby("order_id").agg(
        lines=("item_id", "size"),
        items=("item_id", "nunique"),
        customers=("customer_id", "nunique"),
        times=("timestamp", "nunique"),
    )
    assert (per_order["lines"] == per_order["items"]).all()
    assert (per_order["customers"] == 1).all() and (per_order["times"] == 1).all()
    assert (per_order["lines"] >= 2).mean() > 0.3
    assert purchases["quantity"].max() > 1


def test_item_popularity_is_heavy_tailed(shop: SyntheticShop, purchases: pd.DataFrame) -> None:
    counts = purchases["item_id"].value_counts()
    top = counts.iloc[: len(shop.items) // 10].sum() / counts.sum()
    assert top > 0.4, f"top 10% of items carry only {top:.2f} of purchases"
    categories = purchases["item_id"].map(shop.items.set_index("item_id")["category"])
    assert categories.nunique() >= 4


def test_customers_prefer_a_few_categories(shop: SyntheticShop, purchases: pd.DataFrame) -> None:
    cat = purchases["item_id"].map(shop.items.set_index("item_id")["category"])
    frame = purchases.assign(category=cat)
    busy = frame.groupby("customer_id").filter(lambda g: len(g) >= 20)
    top_share = busy.groupby("customer_id")["category"].agg(
        lambda s: s.value_counts().iloc[0] / len(s)
    )
    shop_share = cat.value_counts(normalize=True).iloc[0]
    assert top_share.median() > shop_share + 0.1


def test_customers_rebuy_their_staples(purchases: pd.DataFrame) -> None:
    pairs = purchases.groupby(["customer_id", "item_id"]).size()
    assert (pairs >= 2).mean() > 0.18
    orders = purchases.groupby("customer_id")["order_id"].nunique()
    regulars = purchases[purchases["customer_id"].isin(orders[orders >= 4].index)]
    rebought = regulars.sort_values("timestamp").duplicated(["customer_id", "item_id"]).mean()
    assert rebought > 0.35, f"only {rebought:.2f} of regulars' lines re-buy an item"


def test_weekly_seasonality_is_visible(purchases: pd.DataFrame) -> None:
    units = daily_units(purchases)
    by_weekday = units.groupby(units.index.weekday).median()  # medians: festivals are spikes
    assert by_weekday.max() / by_weekday.min() > 1.4
    assert by_weekday.idxmin() == 5 and by_weekday.idxmax() in (
        0,
        6,
    )  # quiet Saturday, busy Sun/Mon


def test_festivals_lift_demand_above_the_weeks_before(
    shop: SyntheticShop, purchases: pd.DataFrame
) -> None:
    units = daily_units(purchases)
    promos = shop.promotions
    festivals = promos[
        promos["item_id"].isna() & promos["category"].isna() & (promos["discount"] >= 0.15)
    ]
    checked = 0
    for row in festivals.itertuples():
        before = units[
            (units.index >= row.start_date - 35 * DAY) & (units.index < row.start_date - 7 * DAY)
        ]
        during = units[(units.index >= row.start_date) & (units.index <= row.end_date)]
        if len(before) < 28:
            continue
        assert during.mean() > 1.3 * before.mean(), (
            f"no lift for the sale starting {row.start_date}"
        )
        checked += 1
    assert checked >= 3


def test_promoted_items_sell_more_during_their_promotion(
    shop: SyntheticShop, purchases: pd.DataFrame
) -> None:
    item_promos = shop.promotions[shop.promotions["item_id"].notna()]
    day = purchases["timestamp"].dt.floor("D")
    units = purchases.groupby([purchases["item_id"], day])["quantity"].sum()
    during = before = 0.0
    for row in item_promos.itertuples():
        if (
            row.item_id not in units.index.get_level_values(0)
            or row.start_date < units.index[0][1] + 28 * DAY
        ):
            continue
        sales = units.loc[row.item_id]
        length = (row.end_date - row.start_date).days + 1
        during += (
            sales[(sales.index >= row.start_date) & (sales.index <= row.end_date)].sum() / length
        )
        window = (sales.index >= row.start_date - 28 * DAY) & (sales.index < row.start_date)
        before += sales[window].sum() / 28
    assert during > 1.4 * before


def test_some_customers_churn_long_before_the_end_and_some_come_back(
    purchases: pd.DataFrame,
) -> None:
    end = purchases["timestamp"].max()
    span = purchases.groupby("customer_id")["timestamp"].agg(["min", "max", "size"])
    early = span[span["min"] < end - 240 * DAY]
    gone = (early["max"] < end - 120 * DAY).mean()
    assert 0.15 < gone < 0.8, (
        f"{gone:.2f} of early customers stopped buying 120+ days before the end"
    )
    times = purchases.drop_duplicates("order_id")[["customer_id", "timestamp"]]
    gaps = times.groupby("customer_id")["timestamp"].diff().dt.days
    regular = times.groupby("customer_id")["timestamp"].diff().dt.days.median()
    assert (gaps > 150).groupby(times["customer_id"]).any().mean() > 0.02  # dormant, then back
    assert regular < 60


def test_returns_follow_their_purchase(shop: SyntheticShop, purchases: pd.DataFrame) -> None:
    returns = shop.events[shop.events["event_type"] == "return"]
    assert 0.01 < len(returns) / len(purchases) < 0.1
    key = ["order_id", "item_id"]
    joined = returns.merge(purchases, on=key, suffixes=("", "_bought"), how="left")
    assert joined["timestamp_bought"].notna().all()
    assert (joined["timestamp"] > joined["timestamp_bought"]).all()
    assert (joined["quantity"] <= joined["quantity_bought"]).all()
    assert (joined["customer_id"] == joined["customer_id_bought"]).all()


def test_items_customers_and_promotions_tables(
    shop: SyntheticShop, purchases: pd.DataFrame
) -> None:
    items = shop.items
    assert 0 < (~items["in_stock"]).sum() < 0.15 * len(items)
    assert (items.loc[~items["in_stock"], "stock_on_hand"] == 0).all()
    assert (items["stock_on_hand"] >= 0).all() and (items["lead_time_days"] >= 1).all()
    assert (items["price"] > 0).all()
    out = set(items.loc[~items["in_stock"], "item_id"])
    last_days = purchases[purchases["timestamp"] > purchases["timestamp"].max() - 2 * DAY]
    assert not out & set(last_days["item_id"])
    prices = items.groupby("category")["price"].median()
    assert prices.max() / prices.min() > 2
    customers = shop.customers
    assert customers["region"].nunique() >= 3
    assert 0.005 < customers["personalization_opt_out"].mean() < 0.1
    assert customers["customer_id"].is_unique
    promos = shop.promotions
    assert promos["item_id"].notna().any() and promos["category"].notna().any()
    assert (promos["item_id"].isna() & promos["category"].isna()).any()
    assert ((promos["discount"] > 0) & (promos["discount"] < 1)).all()
    assert (promos["end_date"] >= promos["start_date"]).all()


def test_scale_for_events_hits_the_target() -> None:
    args = scale_for_events(20_000)
    shop = generate_shop(**args, seed=0)
    assert 0.85 < len(shop.events) / 20_000 < 1.15


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="n_items"):
        generate_shop(n_items=2)
    with pytest.raises(ValueError, match="fmt"):
        generate_shop(n_customers=20, n_items=10, days=60).write(Path("."), "xlsx")  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_million_events_keep_the_shapes() -> None:
    shop = generate_shop(**scale_for_events(1_000_000), seed=11)
    ev = shop.events
    assert 0.9e6 < len(ev) < 1.1e6
    assert validate_events(ev, "synthetic").shape == ev.shape
    bought = ev[ev["event_type"] == "purchase"]
    counts = bought["item_id"].value_counts()
    assert counts.iloc[: len(shop.items) // 10].sum() / counts.sum() > 0.4
    pairs = bought.groupby(["customer_id", "item_id"]).size()
    assert (pairs >= 2).mean() > 0.15
    assert (ev["event_type"] == "return").mean() > 0.01
