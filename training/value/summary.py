"""From events to the BG/NBD summary (frequency, recency, T, monetary in days) and to expected value."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.customers import net_purchases
from features.timestamps import as_utc
from training.value.bgnbd import BetaGeoModel, FitError
from training.value.gamma_gamma import GammaGammaModel

log = logging.getLogger(__name__)

DAY = pd.Timedelta(days=1)
VALUE_HORIZON_DAYS = 365


def rfm_summary(events: pd.DataFrame, *, as_of: pd.Timestamp | str) -> pd.DataFrame:
    """Per customer with a purchase before `as_of`: frequency (repeat purchase days), recency and T in
    days (time from the first purchase day to the last one, and to as_of), monetary (mean value of the
    repeat purchase days, 0 without repeats) and total_value. Indexed by customer_id.

    Purchases are net of the returns known before `as_of` (`features.customers.net_purchases`: each
    return line comes off the latest earlier purchase line of the same customer and item, floored at
    0). A purchase day with nothing left (every line of it returned) is no purchase day, and values
    are net of returns, so a cancelled order counts neither as an order nor as spend.
    """
    as_of = as_utc(as_of)
    buys = net_purchases(events.loc[events["timestamp"] < as_of])
    cols = ["frequency", "recency", "T", "monetary", "total_value"]
    if buys.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="customer_id", dtype=object), dtype=float)
    day = buys["timestamp"].dt.floor("D")
    daily = (
        buys.assign(day=day, value=buys["quantity"] * buys["price"].fillna(0.0))
        .groupby(["customer_id", "day"], sort=True)["value"].sum().reset_index()
    )
    grouped = daily.groupby("customer_id", sort=True)
    first, last = grouped["day"].min(), grouped["day"].max()
    n_days = grouped.size()
    total = grouped["value"].sum()
    first_value = grouped["value"].first()
    frequency = (n_days - 1).astype(float)
    repeat_value = total - first_value
    out = pd.DataFrame({
        "frequency": frequency,
        "recency": (last - first) / DAY,
        "T": (as_of.floor("D") - first) / DAY,
        "monetary": (repeat_value / frequency.where(frequency > 0)).fillna(0.0),
        "total_value": total,
    })
    out.index.name = "customer_id"
    return out


@dataclass
class ValueModels:
    """A fitted BG/NBD and Gamma-Gamma pair (time unit: days)."""

    bgnbd: BetaGeoModel
    gamma_gamma: GammaGammaModel | None

    def to_dict(self) -> dict[str, dict[str, float] | None]:
        """Parameters of both models."""
        return {"bgnbd": self.bgnbd.to_dict(),
                "gamma_gamma": None if self.gamma_gamma is None else self.gamma_gamma.to_dict()}


def fit_value_models(summary: pd.DataFrame) -> ValueModels:
    """Fit BG/NBD on every customer and Gamma-Gamma on the repeat buyers (None if it cannot be fitted)."""
    bg = BetaGeoModel(penalizer=1e-4).fit(summary["frequency"].to_numpy(), summary["recency"].to_numpy(),
                                          summary["T"].to_numpy())
    try:
        gg: GammaGammaModel | None = GammaGammaModel().fit(summary["frequency"].to_numpy(), summary["monetary"].to_numpy())
    except FitError as exc:
        log.warning("Gamma-Gamma not fitted: %s", exc)
        gg = None
    return ValueModels(bg, gg)


def customer_value(summary: pd.DataFrame, models: ValueModels, *, horizon_days: int = 90) -> pd.DataFrame:
    """P(alive), P(no purchase in `horizon_days`), expected purchases in `horizon_days` and in 12 months, expected order value and 12-month value."""
    x, t_x, big_t = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    bg = models.bgnbd
    per_order = _order_value(summary, models.gamma_gamma)
    purchases_12m = bg.expected_purchases(VALUE_HORIZON_DAYS, x, t_x, big_t)
    return pd.DataFrame({
        "p_alive": bg.p_alive(x, t_x, big_t),
        "p_no_purchase_h": bg.p_no_purchase(float(horizon_days), x, t_x, big_t),
        "expected_purchases_h": bg.expected_purchases(float(horizon_days), x, t_x, big_t),
        "expected_purchases_12m": purchases_12m,
        "expected_order_value": per_order,
        "expected_value_12m": purchases_12m * per_order,
    }, index=summary.index)


def _order_value(summary: pd.DataFrame, gg: GammaGammaModel | None) -> np.ndarray:
    """Expected value of each customer's future orders.

    Repeat buyers get Gamma-Gamma's posterior mean from their x repeat days of mean value m. A
    customer with one purchase day has no repeat, and Gamma-Gamma's answer for x = 0 is the shop's
    mean order value whatever they spent; instead their first (only) day counts as the one observed
    order: E = p (v + x m) / (p x + q - 1) with x = 1 and m = that day's net value, so the estimate
    lies between their own spend and the shop's mean. Without a Gamma-Gamma fit, each customer's
    own mean order value.
    """
    x = summary["frequency"].to_numpy(dtype=float)
    own_mean = (summary["total_value"] / (x + 1.0)).to_numpy(dtype=float)
    if gg is None:
        return own_mean
    observed = np.where(x > 0, x, 1.0)
    spend = np.where(x > 0, summary["monetary"].to_numpy(dtype=float), own_mean)
    value = gg.expected_order_value(observed, spend)
    return np.where(np.isfinite(value), value, own_mean)
