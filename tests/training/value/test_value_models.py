"""BG/NBD, Gamma-Gamma, the RFM summary, RFM segments and lifecycle stages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from training.value.bgnbd import BetaGeoModel
from training.value.gamma_gamma import GammaGammaModel
from training.value.segments import lifecycle_stage, rfm_scores, rfm_segment
from training.value.summary import customer_value, fit_value_models, rfm_summary

CDNOW_SUMMARY = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "cdnow_sample_summary.csv"


@pytest.mark.skipif(not CDNOW_SUMMARY.exists(), reason="cdnow_sample_summary.csv is not on this machine")
def test_bgnbd_reproduces_fader_hardie_lee_2005() -> None:
    d = pd.read_csv(CDNOW_SUMMARY)
    m = BetaGeoModel().fit(d["frequency"].to_numpy(), d["recency"].to_numpy(), d["T"].to_numpy())
    p = m.to_dict()
    assert round(p["r"], 3) == 0.243
    assert round(p["alpha"], 3) == 4.414
    assert round(p["a"], 3) == 0.793
    assert round(p["b"], 3) == 2.426
    assert round(p["log_likelihood"], 1) == -9582.4


def _simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, T: float, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    x, tx = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i], tx[i] = x[i] + 1, t
            if rng.random() < p[i]:
                break
    return x, tx, np.full(n, T)


def test_bgnbd_recovers_simulated_parameters_and_predicts_sensibly() -> None:
    x, tx, T = _simulate_bgnbd(3000, r=0.5, alpha=5.0, a=1.5, b=4.0, T=40.0)
    m = BetaGeoModel().fit(x, tx, T)
    r, alpha, _, _ = m.params_
    assert 0.35 < r < 0.7 and 3.0 < alpha < 8.0 and r / alpha == pytest.approx(0.1, rel=0.25)
    alive = m.p_alive(np.array([0, 5, 5]), np.array([0, 39, 5]), np.array([40, 40, 40]))
    assert alive[0] == 1.0 and alive[1] > alive[2]  # a recent buyer is more likely alive than a lapsed one
    exp = m.expected_purchases(10, np.array([1, 5]), np.array([39, 39]), np.array([40, 40]))
    assert exp[1] > exp[0] > 0
    quiet = m.p_no_purchase(10, np.array([5, 5]), np.array([39, 5]), np.array([40, 40]))
    assert 0 < quiet[0] < quiet[1] < 1


def test_bgnbd_rejects_inconsistent_input() -> None:
    with pytest.raises(ValueError, match="recency"):
        BetaGeoModel().fit(np.array([1.0]), np.array([5.0]), np.array([3.0]))


def test_gamma_gamma_shrinks_towards_the_population_mean() -> None:
    rng = np.random.default_rng(1)
    n = 2000
    x = rng.integers(1, 10, n).astype(float)
    nu = rng.gamma(3.0, 1 / 30.0, n)  # mean spend per order 1 / nu
    m = np.array([rng.gamma(2.0 * k, 1 / nu_i, 1).item() / k for k, nu_i in zip(x, nu, strict=True)])
    gg = GammaGammaModel().fit(x, m)
    pop = gg.population_mean()
    assert pop == pytest.approx(np.mean(m), rel=0.2)
    value = gg.expected_order_value(np.array([1.0, 50.0]), np.array([10 * pop, 10 * pop]))
    assert pop < value[0] < value[1] < 10 * pop  # more orders, more trust in the customer's own mean


def test_summary_value_and_segments() -> None:
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    rng = np.random.default_rng(2)
    rows = []
    for c in range(200):
        n = int(rng.integers(1, 8))
        for d in np.sort(rng.uniform(0, 100, n)):
            rows.append((f"c{c}", "i", t0 + pd.Timedelta(days=float(d)), "purchase", 1, float(rng.uniform(5, 50))))
    events = pd.DataFrame(rows, columns=["customer_id", "item_id", "timestamp", "event_type", "quantity", "price"])
    s = rfm_summary(events, as_of=t0 + pd.Timedelta(days=120))
    assert len(s) == 200 and (s["recency"] <= s["T"]).all() and (s.loc[s["frequency"] == 0, "monetary"] == 0).all()
    v = customer_value(s, fit_value_models(s), horizon_days=30)
    assert v["p_alive"].between(0, 1).all() and (v["expected_purchases_12m"] >= v["expected_purchases_h"]).all()
    assert (v["expected_value_12m"] >= 0).all() and v["p_no_purchase_h"].between(0, 1).all()


def test_rfm_segments_and_lifecycle() -> None:
    f = pd.DataFrame({
        "recency_days": [2.0, 5.0, 200.0, 100.0, 10.0, 40.0],
        "frequency": [20.0, 1.0, 3.0, 8.0, 4.0, 3.0],
        "monetary_total": [5000.0, 50.0, 300.0, 2000.0, 400.0, 100.0],
        "tenure_days": [300.0, 5.0, 300.0, 300.0, 250.0, 200.0],
        "gap_median_days": [10.0, np.nan, 30.0, 20.0, 15.0, 30.0],
        "gap_last_days": [10.0, np.nan, 30.0, 20.0, 120.0, 30.0],
    }, index=["champ", "newbie", "gone", "slipping", "back", "steady"])
    scores = rfm_scores(f)
    assert scores.loc["champ"].tolist() == [5, 5, 5] and scores.loc["gone", "r_score"] == 1
    seg = rfm_segment(scores, f["frequency"])
    assert seg["champ"] == "champions" and seg["newbie"] == "new" and seg["slipping"] == "at risk"
    stage = lifecycle_stage(f, horizon_days=90)
    assert stage.to_dict() == {"champ": "active", "newbie": "new", "gone": "churned", "slipping": "at risk",
                               "back": "won back", "steady": "active"}
