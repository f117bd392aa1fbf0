"""Uplift and policy evaluation on randomised rows: Qini / AUUC, uplift at k and by decile, and
off-policy values (inverse propensity and doubly robust) of a policy with a confidence interval.

Qini and uplift@k follow scikit-uplift's definitions (qini_auc_score normalised by the perfect
ranking, uplift_at_k with the "overall" strategy) so figures compare with published ones. A
Qini says the ranking is right; only a policy value says acting on it pays, so both are here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z95 = 1.959964


def qini_curve(y, treated, score) -> tuple[np.ndarray, np.ndarray]:
    """(rows targeted, incremental outcomes) when targeting in decreasing ``score`` order."""
    order = np.argsort(-np.asarray(score, float), kind="stable")
    y, t = np.asarray(y, float)[order], np.asarray(treated, bool)[order]
    n_t, n_c = np.cumsum(t), np.cumsum(~t)
    y_t, y_c = np.cumsum(y * t), np.cumsum(y * ~t)
    curve = y_t - np.divide(y_c * n_t, n_c, out=np.zeros(len(y)), where=n_c > 0)
    return np.r_[0, np.arange(1, len(y) + 1)], np.r_[0, curve]


def qini_coefficient(y, treated, score) -> float:
    """Area between the model's Qini curve and random targeting, over the same for the perfect
    ranking (1: perfect, 0: no better than random)."""
    y, t = np.asarray(y, float), np.asarray(treated, bool)
    x, model = qini_curve(y, t, score)
    _, perfect = qini_curve(y, t, y * t - y * ~t)
    random = np.trapezoid([0, model[-1]], [0, x[-1]])
    denominator = np.trapezoid(perfect, x) - random
    return float((np.trapezoid(model, x) - random) / denominator) if denominator else float("nan")


def uplift_at_k(y, treated, score, k: float = 0.3) -> float:
    """Outcome rate of the treated minus the control among the top ``k`` share by score."""
    y, t = np.asarray(y, float), np.asarray(treated, bool)
    top = np.argsort(-np.asarray(score, float), kind="stable")[: max(int(len(y) * k), 1)]
    yt, tt = y[top], t[top]
    return float(yt[tt].mean() - yt[~tt].mean()) if tt.any() and (~tt).any() else float("nan")


def uplift_by_decile(y, treated, score) -> pd.DataFrame:
    """Predicted and observed uplift per decile of predicted uplift (decile 1: highest)."""
    frame = pd.DataFrame({"y": np.asarray(y, float), "t": np.asarray(treated, bool), "score": np.asarray(score, float)})
    frame["decile"] = 10 - pd.qcut(frame.score.rank(method="first"), 10, labels=False)
    rows = []
    for decile, g in frame.groupby("decile"):
        rows.append(
            {
                "decile": decile,
                "predicted": g.score.mean(),
                "observed": g.y[g.t].mean() - g.y[~g.t].mean() if g.t.any() and (~g.t).any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def policy_terms(
    policy: np.ndarray,
    arm: np.ndarray,
    propensity: dict[str, float],
    reward: np.ndarray,
    predicted: pd.DataFrame | None = None,
) -> np.ndarray:
    """Per-row terms whose mean is the policy's value: inverse-propensity weighted when
    ``predicted`` (each arm's predicted reward per row) is None, doubly robust otherwise."""
    policy, arm, reward = np.asarray(policy), np.asarray(arm), np.asarray(reward, float)
    e = pd.Series(arm).map(propensity).to_numpy(float)
    match = (policy == arm) / e
    if predicted is None:
        return match * reward
    pred = predicted.to_numpy()
    cols = {c: i for i, c in enumerate(predicted.columns)}
    rows = np.arange(len(arm))
    own = pred[rows, [cols[a] for a in arm]]
    return pred[rows, [cols[a] for a in policy]] + match * (reward - own)


def mean_interval(terms: np.ndarray, groups: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``terms`` with its 95 % interval, clustered by ``groups`` (a customer's invoices
    are not independent)."""
    terms = np.asarray(terms, float)
    mean = terms.mean()
    by_group = pd.Series(terms - mean).groupby(np.asarray(groups)).sum().to_numpy()
    g = len(by_group)
    se = np.sqrt((by_group**2).sum() * g / max(g - 1, 1)) / len(terms)
    return float(mean), float(mean - Z95 * se), float(mean + Z95 * se)
