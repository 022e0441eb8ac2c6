"""Catalogue and customer base of the synthetic shop: categories, items, promotions, tastes, staples."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from features.synthetic_calendar import Calendar, ShopWidePromotion

# fmt: off
CATEGORY_NAMES: tuple[str, ...] = (
    "home", "kitchen", "garden", "toys", "beauty", "fashion", "electronics", "books", "sports",
    "pets", "grocery", "stationery", "baby", "health", "jewellery", "crafts", "party", "outdoor",
    "lighting", "bags", "shoes", "music", "games", "tools", "auto", "travel", "furniture", "art",
    "watches", "tea",
)
# fmt: on
REGIONS = ("north", "south", "east", "west", "central")
REGION_SHARES = np.array([0.26, 0.22, 0.2, 0.18, 0.14])
MAX_FAVOURITES = 3
MAX_STAPLES = 8
NICHE_POWER = 0.5  # draws within a liked style weigh popularity ** NICHE_POWER
STYLES = 4  # styles per category: customers who like a category often like one style of it


@dataclass(frozen=True)
class Catalog:
    """Items (indexed 0..n-1) with their category, popularity, price and availability."""

    category_names: tuple[str, ...]
    category: np.ndarray  # int, per item
    style: np.ndarray  # int in 0..STYLES-1, per item
    popularity: np.ndarray  # Zipf weight, per item
    price: np.ndarray  # list price, per item
    launch_day: np.ndarray  # first day the item can sell
    stockout_day: np.ndarray  # first day it cannot (== days when it never runs out)
    trend: np.ndarray  # log-popularity change per year
    companion: np.ndarray  # item often bought together with this one
    quantity_mean: np.ndarray  # extra units per line (Poisson mean), cheap items in bulk
    lead_time_days: np.ndarray
    return_rate: np.ndarray  # per category
    season_amplitude: np.ndarray  # per category
    season_peak_doy: np.ndarray  # per category

    @property
    def n_items(self) -> int:
        return len(self.category)


def n_categories_for(n_items: int) -> int:
    """Number of categories for a catalogue of `n_items` (4 to 30)."""
    return int(np.clip(round(np.sqrt(n_items) / 1.5), 4, len(CATEGORY_NAMES)))


def make_catalog(n_items: int, days: int, rng: np.random.Generator, *, zipf: float) -> Catalog:
    """Draw categories and items: Zipf popularity, category price levels, launches and stock-outs."""
    k = n_categories_for(n_items)
    names = CATEGORY_NAMES[:k]
    share = rng.dirichlet(np.full(k, 2.0))
    category = rng.choice(k, size=n_items, p=share)
    category[:k] = np.arange(k)  # every category has an item
    ranks = rng.permutation(n_items) + 1
    popularity = ranks.astype(np.float64) ** -zipf
    cat_price = np.exp(rng.normal(np.log(12.0), 0.8, size=k))
    price = np.round(
        np.round(cat_price[category] * np.exp(rng.normal(0.0, 0.35, size=n_items)), 1) - 0.01, 2
    )
    price = np.maximum(price, 0.49)
    launch_day = np.zeros(n_items, dtype=np.int64)
    new = rng.random(n_items) < 0.12
    launch_day[new] = rng.integers(1, max(days, 2), size=int(new.sum()))
    stockout_day = np.full(n_items, days, dtype=np.int64)
    out = (rng.random(n_items) < 0.04) & ~new
    stockout_day[out] = days - rng.integers(3, 31, size=int(out.sum()))
    order = np.argsort(category, kind="stable")
    starts = np.searchsorted(category[order], np.arange(k))
    counts = np.bincount(category, minlength=k)
    pick = starts[category] + (rng.random(n_items) * counts[category]).astype(np.int64)
    companion = order[np.minimum(pick, n_items - 1)]
    companion = np.where(companion == np.arange(n_items), order[starts[category]], companion)
    cat_lead = rng.integers(3, 22, size=k)
    lead = np.maximum(1, cat_lead[category] + rng.integers(-2, 5, size=n_items))
    return Catalog(
        category_names=names,
        category=category,
        style=rng.integers(0, STYLES, size=n_items),
        popularity=popularity,
        price=price,
        launch_day=launch_day,
        stockout_day=stockout_day,
        trend=rng.normal(0.0, 0.35, size=n_items),
        companion=companion,
        quantity_mean=0.15 + 1.6 * np.exp(-price / 6.0),
        lead_time_days=lead.astype(np.int64),
        return_rate=rng.beta(1.2, 50.0, size=k),
        season_amplitude=rng.uniform(0.0, 0.5, size=k),
        season_peak_doy=rng.integers(1, 366, size=k),
    )


def make_promotions(
    catalog: Catalog,
    days: int,
    shop_wide: list[ShopWidePromotion],
    rng: np.random.Generator,
) -> list[tuple[int, int, int, int, float]]:
    """Shop-wide, category and item promotions as (start_day, end_day, item, category, discount).

    Days are inclusive; item and category are -1 when the promotion is not about one.
    """
    rows: list[tuple[int, int, int, int, float]] = [
        (p.start_day, p.end_day, -1, -1, p.discount) for p in shop_wide
    ]
    k = len(catalog.category_names)
    n_cat = rng.poisson(days / 20)
    for _ in range(n_cat):
        a = int(rng.integers(0, days))
        b = min(a + int(rng.integers(6, 14)), days - 1)
        rows.append(
            (a, b, -1, int(rng.integers(0, k)), float(rng.choice([0.1, 0.15, 0.2, 0.25, 0.3])))
        )
    n_item = rng.poisson(0.25 * catalog.n_items * days / 365)
    weights = np.sqrt(catalog.popularity)
    items = rng.choice(catalog.n_items, size=n_item, p=weights / weights.sum())
    starts = rng.integers(0, days, size=n_item)
    lengths = rng.integers(3, 15, size=n_item)
    discounts = rng.choice([0.1, 0.2, 0.25, 0.3, 0.4, 0.5], size=n_item)
    for item, a, n, disc in zip(items, starts, lengths, discounts):
        rows.append((int(a), int(min(a + n - 1, days - 1)), int(item), -1, float(disc)))
    rows.sort()
    return rows


def discount_matrix(
    catalog: Catalog, days: int, rows: list[tuple[int, int, int, int, float]]
) -> np.ndarray:
    """Best discount per (day, item) over all promotions, float32 days x items."""
    disc = np.zeros((days, catalog.n_items), dtype=np.float32)
    cat_masks = [catalog.category == c for c in range(len(catalog.category_names))]
    for a, b, item, cat, value in rows:
        seg = slice(a, b + 1)
        if item >= 0:
            disc[seg, item] = np.maximum(disc[seg, item], value)
        elif cat >= 0:
            block = disc[seg][:, cat_masks[cat]]
            disc[seg, cat_masks[cat]] = np.maximum(block, value)
        else:
            disc[seg] = np.maximum(disc[seg], value)
    return disc


def daily_weights(
    catalog: Catalog, cal: Calendar, discount: np.ndarray, *, elasticity: float
) -> np.ndarray:
    """Choice weight of each item on each day: popularity x trend x category season x novelty x promo."""
    days = cal.days
    d = np.arange(days, dtype=np.float64)[:, None]
    doy = pd.date_range(cal.start, periods=days, freq="D").dayofyear.to_numpy()[:, None]
    cat = catalog.category
    season = 1.0 + catalog.season_amplitude[cat] * np.cos(
        2 * np.pi * (doy - catalog.season_peak_doy[cat]) / 365.25
    )
    age = d - catalog.launch_day[None, :]
    available = (age >= 0) & (d < catalog.stockout_day[None, :])
    novelty = 1.0 + 1.5 * np.exp(-np.maximum(age, 0.0) / 21.0)
    trend = np.exp(catalog.trend[None, :] * (d / 365.0 - 0.5))
    w = catalog.popularity[None, :] * trend * season * novelty * np.exp(elasticity * discount)
    return np.where(available, w, 0.0)


class ItemSampler:
    """Draws items in proportion to day-dependent weights: shop-wide, in a category or in a style.

    Items are sorted by (category, style); each day's cumulative weights are laid end to end with an
    offset of 2 per day, so one searchsorted serves draws on any mix of days and item ranges.
    """

    def __init__(
        self, weights: np.ndarray, catalog: Catalog, *, niche_power: float | None = None
    ) -> None:
        # Draws within a liked style flatten popularity (not promotions or seasons): fans explore
        # a style's long tail.
        flatten = catalog.popularity ** (niche_power - 1.0) if niche_power is not None else None
        self._niche = ItemSampler(weights * flatten, catalog) if flatten is not None else self
        group = catalog.category * STYLES + catalog.style
        n_groups = len(catalog.category_names) * STYLES
        self._order = np.argsort(group, kind="stable")
        self._n = weights.shape[1]
        cum = np.cumsum(weights[:, self._order], axis=1)
        total = cum[:, -1:].copy()
        total[total <= 0] = 1.0
        cum /= total
        rows = weights.shape[0]
        self._flat = (cum + 2.0 * np.arange(rows)[:, None]).ravel()
        self._cum0 = np.concatenate([np.zeros((rows, 1)), cum], axis=1)
        sorted_group = group[self._order]
        self._start = np.searchsorted(sorted_group, np.arange(n_groups), side="left")
        self._end = np.searchsorted(sorted_group, np.arange(n_groups), side="right")

    def _pick(self, day: np.ndarray, u: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self._flat, 2.0 * day + u, side="right") - day * self._n
        return self._order[np.clip(pos, 0, self._n - 1)]

    def _in_range(
        self, day: np.ndarray, first: np.ndarray, last: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw within groups first..last (inclusive); also says where that range had weight."""
        lo = self._cum0[day, self._start[first]]
        hi = self._cum0[day, self._end[last]]
        ok = hi - lo > 1e-15
        u = lo + rng.random(len(day)) * (hi - lo) * (1 - 1e-12)
        return self._pick(day, u), ok

    def shop(self, day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One item per entry of `day`, drawn from the whole shop."""
        return self._pick(day, rng.random(len(day)) * (1 - 1e-12))

    def in_category(self, day: np.ndarray, cat: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One item per entry, drawn within the category (whole shop when it has no weight)."""
        picked, ok = self._in_range(day, cat * STYLES, cat * STYLES + STYLES - 1, rng)
        if not ok.all():
            picked[~ok] = self.shop(day[~ok], rng)
        return picked

    def in_style(
        self, day: np.ndarray, cat: np.ndarray, style: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """One item per entry, drawn within the category's style (else the category, else the shop)."""
        group = cat * STYLES + style
        picked, ok = self._niche._in_range(day, group, group, rng)
        if not ok.all():
            picked[~ok] = self.in_category(day[~ok], cat[~ok], rng)
        return picked


@dataclass(frozen=True)
class CustomerBase:
    """Customers (indexed 0..n-1): region, signup, rhythm, churn propensity, tastes and staples."""

    region: np.ndarray  # int index into REGIONS
    signup_day: np.ndarray  # float days since start (negative: signed up before the window)
    first_order: np.ndarray  # float days since start, inf when never within the window
    opt_out: np.ndarray  # bool
    mean_gap: np.ndarray  # mean days between orders
    churn_scale: np.ndarray  # Weibull scale of time-to-churn, in mean gaps
    one_and_done: np.ndarray  # bool: a new customer who leaves right after the first order
    dropout: np.ndarray  # chance of leaving right after each order (varies: loyal vs flaky)
    cooling: np.ndarray  # engagement factor per order: 1 for steady customers, < 1 for cooling ones
    winback: np.ndarray  # probability of coming back after churning
    taste: np.ndarray  # share of browsing lines drawn from favourite categories
    favourites: np.ndarray  # (n, MAX_FAVOURITES) category ids
    favourite_styles: np.ndarray  # (n, MAX_FAVOURITES) the style liked in each favourite category
    n_favourites: np.ndarray
    style_loyalty: np.ndarray  # share of favourite-category lines drawn from the liked style
    deal_seeker: np.ndarray  # bool: shops almost only during sales and festivals
    explore_lines: np.ndarray  # mean non-staple lines per order
    loyalty: np.ndarray  # latent: loyal customers buy more, more often, and stay longer
    stock_up: np.ndarray  # basket and quantity multiplier: rare buyers buy more at a time
    staples: np.ndarray  # (n, MAX_STAPLES) item ids, -1 when none
    staple_period: np.ndarray  # (n, MAX_STAPLES) re-bought every k-th order
    staple_phase: np.ndarray  # (n, MAX_STAPLES)


@dataclass(frozen=True)
class CustomerParams:
    """Knobs of customer behaviour (see ShopConfig)."""

    median_gap_days: float
    gap_sigma: float
    gap_shape: float
    churn_scale: float
    churn_sigma: float
    one_and_done_share: float
    dropout_mean: float
    cooling_share: float
    loyalty_strength: float
    stock_up_power: float
    winback_prob: float
    existing_share: float
    taste_mean: float
    staples_mean: float
    explore_lines_mean: float
    opt_out_share: float
    deal_seeker_share: float
    style_loyalty_mean: float


def make_customers(
    n: int,
    catalog: Catalog,
    cal: Calendar,
    params: CustomerParams,
    rng: np.random.Generator,
) -> CustomerBase:
    """Draw customers: existing ones mid-rhythm at the start, new ones signing up (more at festivals)."""
    days = cal.days
    region = rng.choice(len(REGIONS), size=n, p=REGION_SHARES)
    # Loyalty links what shows in the data (frequency, basket size, staples) to how long one stays.
    loyal = params.loyalty_strength * rng.normal(size=n)
    log_gap = rng.normal(np.log(params.median_gap_days), params.gap_sigma, n) - 0.3 * loyal
    mean_gap = np.clip(np.exp(log_gap), 3, 365)
    # Customers who order rarely buy more at a time.
    stock_up = (mean_gap / params.median_gap_days) ** params.stock_up_power
    existing = rng.random(n) < params.existing_share
    acquisition = cal.intensity[:days]
    signup = rng.choice(days, size=n, p=acquisition / acquisition.sum()) + rng.random(n)
    signup = np.where(existing, -rng.uniform(1, 730, n), signup)
    deal = rng.random(n) < params.deal_seeker_share
    # Existing customers are mid-rhythm: the wait to their first order is a forward recurrence time.
    phase = rng.random(n) * rng.gamma(params.gap_shape + 1.0, mean_gap / params.gap_shape)
    first = np.where(existing, cal.from_operational(phase, deal), signup)
    later = ~existing & (rng.random(n) < 0.3)
    wait = cal.to_operational(signup, deal) + rng.exponential(mean_gap)
    first = np.where(later, cal.from_operational(wait, deal), first)
    first = np.where(existing & (rng.random(n) < 0.2), np.inf, first)  # lapsed before the window
    k = len(catalog.category_names)
    cat_pop = np.bincount(catalog.category, weights=catalog.popularity, minlength=k) ** 0.4
    region_bias = np.ones((len(REGIONS), k))
    region_bias[np.arange(len(REGIONS)), rng.integers(0, k, len(REGIONS))] = 3.0
    logits = np.log(cat_pop)[None, :] + np.log(region_bias[region]) + rng.gumbel(size=(n, k))
    favourites = np.argsort(-logits, axis=1)[:, :MAX_FAVOURITES]
    if favourites.shape[1] < MAX_FAVOURITES:
        favourites = np.pad(favourites, ((0, 0), (0, MAX_FAVOURITES - k)), mode="edge")
    taste_a = 8.0 * params.taste_mean
    loyalty_a = 6.0 * params.style_loyalty_mean
    no_staples = np.full((n, MAX_STAPLES), -1, dtype=np.int64)
    base = CustomerBase(
        region=region,
        signup_day=signup,
        first_order=first,
        opt_out=rng.random(n) < params.opt_out_share,
        mean_gap=mean_gap,
        churn_scale=np.exp(
            rng.normal(np.log(params.churn_scale), params.churn_sigma, n) + 0.6 * loyal
        ),
        one_and_done=~existing & (rng.random(n) < params.one_and_done_share),
        cooling=np.where(rng.random(n) < params.cooling_share, rng.uniform(0.75, 0.95, n), 1.0),
        dropout=np.minimum(
            rng.beta(1.0, 1.0 / max(params.dropout_mean, 1e-6) - 1.0, n) * np.exp(-0.7 * loyal), 0.9
        ),
        winback=np.full(n, params.winback_prob),
        taste=rng.beta(taste_a, 8.0 - taste_a, n),
        favourites=favourites,
        favourite_styles=rng.integers(0, STYLES, size=(n, MAX_FAVOURITES)),
        n_favourites=np.minimum(1 + rng.binomial(MAX_FAVOURITES - 1, 0.4, n), k),
        style_loyalty=rng.beta(loyalty_a, 6.0 - loyalty_a, n),
        deal_seeker=deal,
        explore_lines=rng.gamma(2.0, params.explore_lines_mean / 2.0, n)
        * np.exp(0.3 * loyal)
        * stock_up,
        stock_up=stock_up,
        loyalty=loyal,
        staples=no_staples,
        staple_period=np.ones_like(no_staples),
        staple_phase=np.zeros_like(no_staples),
    )
    return _with_staples(base, catalog, params, rng)


def pick_by_taste(
    base: CustomerBase,
    cust: np.ndarray,
    day: np.ndarray,
    sampler: ItemSampler,
    rng: np.random.Generator,
) -> np.ndarray:
    """Items customers pick on given days: mostly from a favourite category, often its liked style."""
    slot = (rng.random(len(cust)) * base.n_favourites[cust]).astype(np.int64)
    fav = base.favourites[cust, slot]
    style = base.favourite_styles[cust, slot]
    u = rng.random(len(cust))
    taste = base.taste[cust]
    in_style = u < taste * base.style_loyalty[cust]
    in_cat = (u < taste) & ~in_style
    out = np.empty(len(cust), dtype=np.int64)
    anywhere = ~(in_style | in_cat)
    out[anywhere] = sampler.shop(day[anywhere], rng)
    if in_style.any():
        out[in_style] = sampler.in_style(day[in_style], fav[in_style], style[in_style], rng)
    if in_cat.any():
        out[in_cat] = sampler.in_category(day[in_cat], fav[in_cat], rng)
    return out


def _with_staples(
    base: CustomerBase, catalog: Catalog, params: CustomerParams, rng: np.random.Generator
) -> CustomerBase:
    """Each customer's staple items (chosen by taste) and re-buy periods, in orders."""
    n = len(base.region)
    sampler = ItemSampler(catalog.popularity[None, :], catalog, niche_power=NICHE_POWER)
    count = np.minimum(rng.poisson(params.staples_mean * np.exp(0.4 * base.loyalty)), MAX_STAPLES)
    slots = np.arange(MAX_STAPLES)[None, :] < count[:, None]
    owner = np.repeat(np.arange(n), MAX_STAPLES)
    day0 = np.zeros(len(owner), dtype=np.int64)
    items = pick_by_taste(base, owner, day0, sampler, rng).reshape(n, MAX_STAPLES)
    period = rng.choice([1, 2, 3, 4], size=(n, MAX_STAPLES), p=[0.3, 0.3, 0.25, 0.15])
    return replace(
        base,
        staples=np.where(slots, items, -1),
        staple_period=period,
        staple_phase=(rng.random((n, MAX_STAPLES)) * period).astype(np.int64),
    )
