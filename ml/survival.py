"""Delay quantiles conditional on what is already known: an invoice still open ``e`` days after
its due date will be paid ``e`` days late or later, never earlier.

A model's P10 / P50 / P90 describe a predictive distribution of days late. Read it as a CDF F
that is linear between the three quantiles, linear below P10 down to zero with the density it
has between P10 and P50, and exponential above P90 with the density it has between P50 and P90
(the usual tail of a waiting time: memoryless, so surviving deep into it says "a little longer
again", not "never"). The distribution given survival to today is F truncated at ``e``: its
quantile τ is F⁻¹(F(e) + τ (1 − F(e))). Where the model already puts no mass before ``e``
(F(e) = 0) nothing changes; where it does, that mass is spread over what is still possible in
proportion to what the model said, rather than clipped onto ``e`` (which would collapse the band
to a point). Quantiles are capped where the label is (``ml.history.LABEL_CAP_DAYS``: every
invoice unpaid by then ends there), an invoice at or past the cap is at the cap, the result is
monotone in τ by construction, and P(> 30 days late) is 1 once an invoice is 30 days late.
"""

from __future__ import annotations

import numpy as np

LEVELS = np.array([0.1, 0.5, 0.9])
_CDF = np.array([0.0, 0.1, 0.5, 0.9])  # F at the knots: lower end, P10, P50, P90
_TAIL = 1.0 - _CDF[-1]  # the mass above P90
MIN_SCALE = 1.0  # days: the tail's scale is not taken below a day (days late are whole days)
_GAP = 1e-6  # days: keeps the knots strictly increasing where quantiles tie


def knots(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, where F takes the values ``_CDF`` ((n, 4) days, increasing) and the scale of the
    exponential tail above P90 (matching the density between P50 and P90)."""
    q = np.sort(q, axis=1)
    lower = q[:, 0] - (q[:, 1] - q[:, 0]) * _CDF[1] / (_CDF[2] - _CDF[1])
    x = np.column_stack([lower, q]) + _GAP * np.arange(4)
    scale = np.maximum((q[:, 2] - q[:, 1]) * _TAIL / (_CDF[3] - _CDF[2]), MIN_SCALE)
    return x, scale


def _log_survival(x: np.ndarray, scale: np.ndarray, e: np.ndarray) -> np.ndarray:
    """log(1 − F(e)), in logs so that surviving far into the tail stays exact."""
    k = np.clip((e[:, None] >= x).sum(axis=1) - 1, 0, len(_CDF) - 2)
    rows = np.arange(len(x))
    share = np.clip((e - x[rows, k]) / (x[rows, k + 1] - x[rows, k]), 0.0, 1.0)
    inside = np.log(1.0 - (_CDF[k] + share * (_CDF[k + 1] - _CDF[k])))
    tail = np.log(_TAIL) - np.maximum(e - x[:, -1], 0.0) / scale
    return np.where(e > x[:, -1], tail, inside)


def _inverse(x: np.ndarray, scale: np.ndarray, log_s: np.ndarray) -> np.ndarray:
    """The days late at which each row's survival is exp(``log_s``) ((n, m) in, (n, m) out)."""
    u = 1.0 - np.exp(log_s)
    k = np.clip(np.searchsorted(_CDF, u, side="right") - 1, 0, len(_CDF) - 2)
    rows = np.arange(len(x))[:, None]
    share = np.minimum((u - _CDF[k]) / (_CDF[k + 1] - _CDF[k]), 1.0)
    inside = x[rows, k] + share * (x[rows, k + 1] - x[rows, k])
    tail = x[:, -1:] + scale[:, None] * (np.log(_TAIL) - log_s)
    return np.where(log_s < np.log(_TAIL), tail, inside)


def conditional_quantiles(q: np.ndarray, elapsed: np.ndarray, cap: float) -> np.ndarray:
    """P10 / P50 / P90 (``q``, n × 3) given that each invoice is still open ``elapsed`` days
    after its due date (negative: not yet due), capped at ``cap``: survival at quantile τ is
    (1 − τ) × the survival to ``elapsed``."""
    elapsed = np.asarray(elapsed, dtype=float)
    x, scale = knots(np.asarray(q, dtype=float))
    log_s = _log_survival(x, scale, elapsed)[:, None] + np.log(1.0 - LEVELS)[None, :]
    out = np.clip(_inverse(x, scale, log_s), elapsed[:, None], cap)
    return np.where(elapsed[:, None] >= cap, float(cap), out)


def conditional_late_probability(p: np.ndarray, elapsed: np.ndarray, threshold: float) -> np.ndarray:
    """P(more than ``threshold`` days late) is certain once the invoice is already that late."""
    return np.where(np.asarray(elapsed, dtype=float) > threshold, 1.0, p)
