"""Empirical-Bayes hour curves: P(a real open | sent at local hour h) per contact, shrunk toward
its segment's curve, itself shrunk toward the global one.

Why shrinkage: a contact with a dozen past e-mails has less than one e-mail per hour of the day;
its raw per-hour open rate is noise. Each level borrows from the one above in proportion to how
much evidence it has (a Beta-Binomial posterior mean per hour, ``(opens + κ·prior) / (sends + κ)``),
so a new contact gets its segment's curve and a contact with years of history its own. The prior
strength κ is estimated from the data by the method of moments (how much contacts' rates really
differ beyond binomial noise), not chosen by hand.

Two more pieces of structure keep the few data points honest:
- neighbouring hours behave alike: counts are smoothed over hours with a circular Gaussian
  kernel before shrinkage;
- contacts differ first in how much they read at all (level) and only then in when (shape): the
  contact's prior curve is its segment's curve scaled to the contact's own shrunk open rate.
"""

from __future__ import annotations

import numpy as np

HOURS = np.arange(24)
KAPPA_BOUNDS = (1.0, 1000.0)


def kernel(bandwidth: float) -> np.ndarray:
    """24×24 circular Gaussian weights: row h spreads an e-mail sent at hour h over its neighbours."""
    diff = np.abs(HOURS[:, None] - HOURS[None, :])
    diff = np.minimum(diff, 24 - diff)
    return np.exp(-(diff**2) / (2 * bandwidth**2)) if bandwidth > 0 else np.eye(24)


def smooth(counts: np.ndarray, bandwidth: float) -> np.ndarray:
    """Kernel-smoothed counts over the hour axis (the last axis), preserving totals."""
    k = kernel(bandwidth)
    return counts @ (k / k.sum(axis=0, keepdims=True))


def prior_strength(successes: np.ndarray, trials: np.ndarray, prior_mean: np.ndarray) -> float:
    """κ of a Beta(κ·m, κ·(1−m)) prior by the method of moments on cells (rows × buckets).

    Under the Beta-Binomial model, with ρ = 1 / (κ + 1) the intra-cell correlation,
    E[(y − n·m)²] = n·m(1−m)·(1 + (n − 1)·ρ); summing over cells and solving for ρ gives κ.
    When contacts do not differ beyond noise, κ is at its upper bound (pool everything)."""
    y, n, m = (np.asarray(a, dtype=float) for a in np.broadcast_arrays(successes, trials, prior_mean))
    keep = (n >= 2) & (m > 0) & (m < 1)
    y, n, m = y[keep], n[keep], m[keep]
    if not len(n):
        return KAPPA_BOUNDS[1]
    var = m * (1 - m)
    rho = np.sum((y - n * m) ** 2 - n * var) / max(np.sum(n * (n - 1) * var), 1e-12)
    return float(np.clip(1 / rho - 1, *KAPPA_BOUNDS)) if rho > 0 else KAPPA_BOUNDS[1]


def shrink(successes, trials, prior, kappa: float) -> np.ndarray:
    """Beta-Binomial posterior mean: the rate moves from ``prior`` toward successes / trials as
    trials grow past κ."""
    return (np.asarray(successes, dtype=float) + kappa * prior) / (np.asarray(trials, dtype=float) + kappa)


def pooled_rate(successes: np.ndarray, trials: np.ndarray, fallback: float) -> np.ndarray:
    """Rate per hour of pooled counts; hours never sent at take ``fallback``."""
    return np.where(trials > 0, successes / np.maximum(trials, 1e-12), fallback)
